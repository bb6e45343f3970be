// HighlightedText (web/src/components/proofread/HighlightedText.vue) on a
// long result: the first blocks of marks show at once, the rest arrive a
// few blocks per frame (the page is never frozen by 50,000 marks), and
// revealing a finding far down renders its block and opens its popover.
import { describe, it, expect } from 'vitest';
import { createApp, h, nextTick, ref } from 'vue';
import ElementPlus from 'element-plus';
import HighlightedText from '../src/components/proofread/HighlightedText.vue';

const frames = async (n) => {
  for (let i = 0; i < n; i++) {
    await new Promise((r) => requestAnimationFrame(r));
    await nextTick();
  }
};

// paragraphs of ten sentences, each sentence with one typo
function longResult(marks) {
  let text = '';
  const findings = [];
  for (let k = 0; k < marks; k++) {
    findings.push({ start: text.length + 3, end: text.length + 5, text: '按装', suggestion: '安装', category: 'typo', severity: 'warn' });
    text += '我们要按装设备。';
    if (k % 10 === 9) text += '\n';
  }
  return { text, findings };
}

async function mount(props) {
  const el = document.createElement('div');
  document.body.appendChild(el);
  const hl = ref(null);
  const app = createApp({ render: () => h(HighlightedText, { ref: hl, ...props }) });
  app.use(ElementPlus);
  app.mount(el);
  await nextTick();
  return { el, hl, unmount: () => { app.unmount(); el.remove(); } };
}

describe('a long 校真 result', () => {
  it('shows its first findings at once and the rest over the next frames', async () => {
    const { text, findings } = longResult(1500);
    const m = await mount({ text, findings });
    const first = m.el.querySelectorAll('mark.hl').length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(1000);
    expect(m.el.querySelector('[data-test="hl-rendering"]').textContent).toContain('正在显示其余');
    await frames(20);
    expect(m.el.querySelectorAll('mark.hl').length).toBe(1500);
    expect(m.el.querySelector('[data-test="hl-rendering"]')).toBeNull();
    // the text itself is whole and in order
    expect(m.el.querySelector('.hl-text').textContent).toBe(text);
    m.unmount();
  }, 30000);

  it('renders the block of a finding far down when it is revealed', async () => {
    const { text, findings } = longResult(1500);
    const m = await mount({ text, findings });
    await m.hl.value.reveal(1499);
    await nextTick();
    const mark = [...m.el.querySelectorAll('mark.hl')].find((x) => x.dataset.ids === '1499');
    expect(mark).toBeTruthy();
    m.unmount();
  }, 30000);

  it('a short result renders whole at once', async () => {
    const { text, findings } = longResult(10);
    const m = await mount({ text, findings });
    expect(m.el.querySelectorAll('mark.hl').length).toBe(10);
    expect(m.el.querySelector('[data-test="hl-rendering"]')).toBeNull();
    m.unmount();
  }, 30000);
});
