#!/usr/bin/python3
"""Builds the documents of the search evaluation set (tests/data/search-eval/).

Sources (deterministic: the same packages give the same file):
  man:    Debian's manpages-zh (/usr/share/man/zh_CN): every Chinese manual page,
          roff markup stripped, cut into its sections (.SH); a section is one
          document (title "ls(1) 描述"), long sections cut at a paragraph
          boundary near 1,200 characters; sections of fewer than 40 characters
          or without Chinese are left out.
  fortune: Debian's fortunes-zh (/usr/share/games/fortunes/{chinese,tang300,
          song100}): every second entry of `chinese` (sayings, Debian's code of
          conduct, jokes) and every poem of tang300 and song100; ANSI colours
          removed, the first line is the title.
  party:  tests/data/search-eval/party.txt, written by the team: party-building
          texts (policy explanations, activity reports, lecture descriptions,
          cases), "## id title" then the body.

Output: one JSON object a line {"id", "source", "title", "text"}, ids stable
("man:ls.1#2", "fortune:tang300#17", "party:p001"). The queries and graded
judgements are committed (queries.tsv, qrels.tsv) and refer to these ids.

    scripts/gen-search-eval.py [--out build/search-eval/docs.jsonl]
"""
import argparse, gzip, json, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, 'tests/data/search-eval')
MAN = '/usr/share/man/zh_CN'
FORTUNES = '/usr/share/games/fortunes'
CJK = re.compile(r'[\u3400-\u9fff]')


def roff_sections(src):
    """(heading, text) of each .SH section, roff requests and escapes removed."""
    secs, head, buf = [], '', []
    for line in src.split('\n'):
        if line.startswith('.\\"') or line.startswith("'\\\""):
            continue
        m = re.match(r'^\.SH\s*(.*)$', line)
        if m:
            if buf:
                secs.append((head, buf))
            head, buf = m.group(1).strip().strip('"'), []
            continue
        if line.startswith('.'):
            line = re.sub(r'^\.\w+\s*', '', line)
            if not line:
                buf.append('')
                continue
        line = re.sub(r'\\f[BIRP]|\\f\([A-Z]{2}|\\[,/&]', '', line).replace('\\-', '-')
        line = re.sub(r'\\\(..', '', line).replace('\\', '')
        buf.append(line)
    if buf:
        secs.append((head, buf))
    out = []
    for h, lines in secs:
        text = re.sub(r'\n{3,}', '\n\n', '\n'.join(lines)).strip()
        h = re.sub(r'\\f[BIRP]', '', h).replace('\\', '').strip()
        out.append((h, text))
    return out


def cut(text, size=1200):
    """pieces of about `size` characters, cut at paragraph (else line) ends"""
    if len(text) <= size:
        return [text]
    out, cur = [], ''
    for para in re.split(r'(\n\n)', text):
        if len(cur) + len(para) > size and cur.strip():
            out.append(cur.strip())
            cur = ''
        cur += para
        while len(cur) > size * 2:
            out.append(cur[:size].strip())
            cur = cur[size:]
    if cur.strip():
        out.append(cur.strip())
    return out


def man_docs():
    for sec in sorted(os.listdir(MAN)):
        if not sec.startswith('man'):
            continue
        for f in sorted(os.listdir(os.path.join(MAN, sec))):
            if not f.endswith('.gz'):
                continue
            src = gzip.open(os.path.join(MAN, sec, f)).read().decode('utf-8', 'replace')
            page = f[:-3]
            name, _, num = page.rpartition('.')
            n = 0
            for head, text in roff_sections(src):
                for piece in cut(text):
                    if len(piece) < 40 or not CJK.search(piece):
                        continue
                    yield {'id': f'man:{page}#{n}', 'source': 'man',
                           'title': f'{name}({num}) {head}'.strip(), 'text': piece}
                    n += 1


def fortune_docs():
    ansi = re.compile(r'\x1b\[[0-9;]*m')
    for name, step in (('chinese', 2), ('tang300', 1), ('song100', 1)):
        raw = open(os.path.join(FORTUNES, name), encoding='utf-8', errors='replace').read()
        entries = [ansi.sub('', e).strip('\n') for e in raw.split('\n%\n')]
        for i, e in enumerate(entries):
            if i % step or not CJK.search(e) or len(e.strip()) < 8:
                continue
            lines = [l.strip() for l in e.strip().split('\n')]
            title, body = lines[0], '\n'.join(lines[1:]).strip()
            if not body:
                title, body = e.strip()[:20], e.strip()
            yield {'id': f'fortune:{name}#{i}', 'source': 'fortune', 'title': title[:80], 'text': body}


def party_docs():
    path = os.path.join(DATA, 'party.txt')
    cur = None
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('#!'):
            continue
        m = re.match(r'^## (p\d+) (.+)$', line)
        if m:
            if cur:
                yield cur
            cur = {'id': f'party:{m.group(1)}', 'source': 'party', 'title': m.group(2).strip(), 'text': ''}
        elif cur is not None:
            cur['text'] += line + '\n'
    if cur:
        yield cur


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'build/search-eval/docs.jsonl'))
    a = ap.parse_args()
    docs = []
    for gen in (man_docs, fortune_docs, party_docs):
        for d in gen():
            # no control characters (the API refuses them), at most 8,000 characters
            for k in ('title', 'text'):
                d[k] = re.sub(r'[\x00-\x08\x0b-\x1f\x7f]', '', d[k]).strip()
            d['text'] = d['text'][:8000]
            d['title'] = d['title'][:100] or d['text'][:20]
            docs.append(d)
    ids = set()
    for d in docs:
        if d['id'] in ids:
            sys.exit(f'duplicate id {d["id"]}')
        ids.add(d['id'])
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out + '.tmp', 'w', encoding='utf-8') as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + '\n')
    os.replace(a.out + '.tmp', a.out)
    count = {}
    for d in docs:
        count[d['source']] = count.get(d['source'], 0) + 1
    print(f'{len(docs)} documents {count} -> {a.out}', file=sys.stderr)


if __name__ == '__main__':
    main()
