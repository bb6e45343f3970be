// The TOTP QR code SVG is put into the page only after scripts, handlers
// and links are removed.
import { describe, it, expect } from 'vitest';
import { sanitizeSvg } from '../src/utils/svg.js';

describe('sanitizeSvg', () => {
  it('keeps the drawing and drops scripts, handlers and links', () => {
    const out = sanitizeSvg('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><rect width="5" height="5" onclick="x()"/><a href="javascript:x"><rect/></a></svg>');
    expect(out).toContain('<rect');
    expect(out).not.toMatch(/script|onload|onclick|javascript/);
  });

  it('returns nothing for input that is not an SVG', () => {
    expect(sanitizeSvg('<div>hi</div>')).toBe('');
    expect(sanitizeSvg('')).toBe('');
  });
});
