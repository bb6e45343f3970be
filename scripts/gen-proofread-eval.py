#!/usr/bin/python3
"""Builds the proofreading evaluation set (tests/data/proofread-eval/).

Sources: public Chinese text on a Debian machine (manpages-zh, the Debian
reference in Chinese, debian-reference-zh-cn) and the team's party-building
sentences (domain.txt). Output, committed, one sentence a line:

  planted.txt  a typo planted in a real sentence: the correct form of a typo
               lexicon entry (typos.lex, variants.lex) that is a whole word of
               the sentence (jieba's segmentation, or a run of whole words)
               replaced by the entry's wrong form, marked ⟦…⟧;
  clean.txt    unmodified sentences that contain no entry's wrong form;
  mined.txt    unmodified sentences that do contain a wrong form, for review
               (the good ones go to hard-negatives.txt by hand);
  evasions.txt invented sensitive words (evasion-words.lex) planted in clean
               sentences with each evasion of issue 16, one a line:
               kind<TAB>sentence with the evaded word marked ⟦…⟧;
  pinyin.txt   the same words written in pinyin (full, spaced, initials,
               mixed with characters) and in homophones, for the lexicons
               that match by pinyin; same format. Readings: Rime's
               pinyin_simp table (rime-data-pinyin-simp), primary = most
               frequent, as the engine reads it (src/text/pinyin.c).

hard-negatives.txt is written by hand. Deterministic: the same packages and
lexicons give the same files. Needs python3-jieba, manpages-zh,
debian-reference-zh-cn, rime-data-pinyin-simp (deps/apt.txt).

    scripts/gen-proofread-eval.py [--per-entry 3] [--clean 1200]
"""
import argparse, glob, gzip, os, random, re, sys
import jieba

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'tests/data/proofread-eval')
CJK = re.compile(r'[\u3400-\u9fff]')


def lexicon(name):
    out = []
    for line in open(os.path.join(ROOT, 'data/lexicons', name), encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        cols = line.rstrip('\n').split('\t')
        if len(cols) >= 2 and cols[1]:
            out.append((cols[0], cols[1]))
    return out


def sentences(text):
    for s in re.split(r'(?<=[。！？；])', text):
        s = s.strip()
        n = len(CJK.findall(s))
        if 10 <= n and len(s) <= 80 and n >= 0.5 * len(s) and not re.search(r'[\\<>\t|{}$=/*_#@~^`]', s):
            yield s


def join_lines(lines):
    out = ''
    for l in lines:
        l = l.strip()
        if not l:
            continue
        if out and not (CJK.match(out[-1]) and CJK.match(l[0])):
            out += ' '
        out += l
    return out


def debian_reference():
    p = '/usr/share/debian-reference/debian-reference.zh-cn.txt.gz'
    if not os.path.exists(p):
        return
    para = []
    for line in gzip.open(p, 'rt', encoding='utf-8', errors='replace'):
        if line.strip():
            para.append(line)
        else:
            yield from sentences(join_lines(para))
            para = []


def manpages():
    esc = re.compile(r'\\(f(\[[^\]]*\]|\(..|.)|\(..|\*.|s[-+]?\d|[&/,|^!:~%]|e)')
    for p in sorted(glob.glob('/usr/share/man/zh_CN/man*/*.gz')):
        try:
            text = gzip.open(p, 'rt', encoding='utf-8').read()
        except (UnicodeDecodeError, OSError):
            continue
        para = []
        for line in text.split('\n'):
            if line.startswith('.') or line.startswith("'"):
                yield from sentences(join_lines(para))
                para = []
                continue
            para.append(esc.sub('', line).replace('\\-', '-'))
        yield from sentences(join_lines(para))


def whole_word(sentence, start, end):
    """Is sentence[start:end] a run of whole words of jieba's segmentation?"""
    b, pos = set([0]), 0
    for tok in jieba.lcut(sentence, HMM=False):
        pos += len(tok)
        b.add(pos)
    return start in b and end in b


FW = {c: chr(ord(c) + 0xFEE0) for c in 'abcdefghijklmnopqrstuvwxyz0123456789'}
CIRCLED = {c: chr(0x24D0 + ord(c) - ord('a')) for c in 'abcdefghijklmnopqrstuvwxyz'}


def place(rnd, hosts):
    """A host sentence and a point in it between two Chinese characters (a
    word planted next to Latin letters would not be a word of its own)."""
    while True:
        h = rnd.choice(hosts)
        i = rnd.randrange(1, len(h) - 1)
        if CJK.match(h[i - 1]) and CJK.match(h[i]):
            return h, i


def evasions(clean):
    """Invented sensitive words planted with each evasion (marked ⟦…⟧)."""
    words = [l.strip() for l in open(os.path.join(OUT, 'evasion-words.lex'), encoding='utf-8')
             if l.strip() and not l.startswith('#')]
    cjk = [w for w in words if all(CJK.match(c) for c in w)]
    latin = [w for w in words if w.isascii()]
    kinds = {
        'doubled': lambda w: ''.join(c + c for c in w),
        'tripled': lambda w: w[0] + w[1] * 3 + w[2:],
        'line-break': lambda w: w[:len(w) // 2] + '\n' + w[len(w) // 2:],
        'crlf-break': lambda w: w[:1] + '\r\n' + w[1:],
        'spaces': lambda w: ' '.join(w),
        'emoji': lambda w: '😀'.join(w),
        'zero-width': lambda w: '\u200b'.join(w),
        'punctuation': lambda w: '＊'.join(w),
    }
    latin_kinds = {
        'full-width-spaced': lambda w: ' '.join(FW[c] for c in w),
        'full-width-pairs': lambda w: ' '.join(''.join(FW[c] for c in w[i:i + 2]) for i in range(0, len(w), 2)),
        'ideographic-space': lambda w: '\u3000'.join(FW[c] for c in w),
        'circled': lambda w: ''.join(CIRCLED.get(c, c) for c in w),
    }
    rnd = random.Random(1616)
    hosts = [s for s in clean if len(s) >= 12][:400]
    out = []
    for kind, f in kinds.items():
        for w in cjk:
            h, i = place(rnd, hosts)
            out.append(f'{kind}\t{h[:i]}⟦{f(w)}⟧{h[i:]}')
    for kind, f in latin_kinds.items():
        for w in latin:
            h, i = place(rnd, hosts)
            out.append(f'{kind}\t{h[:i]}⟦{f(w)}⟧{h[i:]}')
    with open(os.path.join(OUT, 'evasions.txt'), 'w', encoding='utf-8') as fh:
        fh.write('# generated by scripts/gen-proofread-eval.py: invented sensitive words (evasion-words.lex)\n')
        fh.write('# planted with each evasion; kind<TAB>sentence, the evaded word marked ⟦…⟧\n')
        fh.write(''.join(l.replace('\n', '\\n').replace('\r', '\\r') + '\n' for l in out))


PINYIN_DICT = '/usr/share/rime-data/pinyin_simp.dict.yaml'


def pinyin_table():
    """{char: [(weight, syllable)...] by descending weight} from Rime's table."""
    t, body = {}, False
    for line in open(PINYIN_DICT, encoding='utf-8'):
        if not body:
            body = line.startswith('...')
            continue
        p = line.rstrip('\n').split('\t')
        if len(p) >= 3 and len(p[0]) == 1 and p[1].isalpha():
            t.setdefault(p[0], []).append((int(p[2]), p[1]))
    return {c: sorted(v, reverse=True) for c, v in t.items()}


def pinyin_evasions(clean):
    """The CJK words of evasion-words.lex written in pinyin and homophones."""
    t = pinyin_table()
    primary = {c: v[0][1] for c, v in t.items()}
    by_syl = {}
    for c, v in sorted(t.items()):
        if v[0][0] >= 1000:  # a common character, as an evader would type it
            by_syl.setdefault(v[0][1], []).append(c)
    words = [l.strip() for l in open(os.path.join(OUT, 'evasion-words.lex'), encoding='utf-8')
             if l.strip() and not l.startswith('#')]
    cjk = [w for w in words if all(CJK.match(c) for c in w) and all(c in primary for c in w)]
    rnd = random.Random(1617)

    def homophone(c):
        alts = [x for x in by_syl.get(primary[c], []) if x != c]
        return rnd.choice(alts) if alts else None

    def one_homophone(w):
        for i in rnd.sample(range(len(w)), len(w)):
            h = homophone(w[i])
            if h:
                return w[:i] + h + w[i + 1:]
        return None

    def all_homophones(w):
        hs = [homophone(c) for c in w]
        return None if None in hs else ''.join(hs)

    kinds = {
        'pinyin': lambda w: ''.join(primary[c] for c in w),
        'pinyin-spaced': lambda w: ' '.join(primary[c] for c in w),
        'pinyin-capitals': lambda w: ''.join(primary[c] for c in w).upper(),
        'initials': lambda w: ''.join(primary[c][0] for c in w).upper(),
        'mixed': lambda w: w[0] + primary[w[1]] + w[2:],
        'homophone-one': one_homophone,
        'homophones-all': all_homophones,
    }
    hosts = [s for s in clean if len(s) >= 12][:400]
    out = []
    for kind, f in kinds.items():
        for w in cjk:
            e = f(w)
            if not e:
                continue
            h, i = place(rnd, hosts)
            out.append(f'{kind}\t{h[:i]}⟦{e}⟧{h[i:]}')
    with open(os.path.join(OUT, 'pinyin.txt'), 'w', encoding='utf-8') as fh:
        fh.write('# generated by scripts/gen-proofread-eval.py: invented sensitive words (evasion-words.lex)\n')
        fh.write('# in pinyin and homophones (a lexicon matching by pinyin); kind<TAB>sentence, marked ⟦…⟧\n')
        fh.write(''.join(l + '\n' for l in out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--per-entry', type=int, default=3)
    ap.add_argument('--clean', type=int, default=1200)
    a = ap.parse_args()
    jieba.setLogLevel(60)
    entries = lexicon('typos.lex') + lexicon('variants.lex')
    wrongs = [w for w, _ in entries]
    domain = [l.strip() for l in open(os.path.join(OUT, 'domain.txt'), encoding='utf-8')
              if l.strip() and not l.startswith('#')]
    seen, corpus = set(), []
    for s in list(debian_reference()) + list(manpages()):
        if s not in seen:
            seen.add(s)
            corpus.append(s)
    rnd = random.Random(16)
    rnd.shuffle(corpus)
    has_wrong = lambda s: any(w in s for w in wrongs)
    planted, used, per_entry = [], set(), {}
    # every domain sentence first (up to two plantings each, different entries),
    # then the corpus, at most per_entry sentences per entry
    for source, limit in ((domain, 99), (corpus, a.per_entry)):
        for s in source:
            if has_wrong(s):
                continue
            n = 0
            for w, r in entries:
                i = s.find(r)
                if i < 0 or per_entry.get(w, 0) >= limit or not whole_word(s, i, i + len(r)):
                    continue
                t = s[:i] + '⟦' + w + '⟧' + s[i + len(r):]
                if has_wrong(s[:i] + s[i + len(r):]) or t in used:
                    continue
                planted.append(t)
                used.add(t)
                per_entry[w] = per_entry.get(w, 0) + 1
                n += 1
                if n == (2 if source is domain else 1):
                    break
    clean = [s for s in domain if not has_wrong(s)]
    clean += [s for s in corpus if not has_wrong(s)][:max(0, a.clean - len(clean))]
    mined = [s for s in corpus if has_wrong(s)]
    hdr = '# generated by scripts/gen-proofread-eval.py from manpages-zh, debian-reference-zh-cn and domain.txt\n'
    with open(os.path.join(OUT, 'planted.txt'), 'w', encoding='utf-8') as f:
        f.write(hdr + '# ⟦wrong⟧: a typo planted where the correct form was a whole word\n')
        f.write(''.join(p + '\n' for p in planted))
    with open(os.path.join(OUT, 'clean.txt'), 'w', encoding='utf-8') as f:
        f.write(hdr + '# unmodified sentences without any entry\'s wrong form\n')
        f.write(''.join(c + '\n' for c in clean))
    with open(os.path.join(OUT, 'mined.txt'), 'w', encoding='utf-8') as f:
        f.write(hdr + '# unmodified sentences containing an entry\'s wrong form (not scored; for review)\n')
        f.write(''.join(m + '\n' for m in mined))
    evasions(clean)
    pinyin_evasions(clean)
    print(f'{len(corpus)} corpus sentences; planted {len(planted)} ({len(per_entry)} entries), '
          f'clean {len(clean)}, mined {len(mined)}', file=sys.stderr)


if __name__ == '__main__':
    main()
