#!/usr/bin/env python3
"""gen-bigram-lm.py — converts libpinyin's word bigram model (Debian's
libpinyin-data, GPL-3+) into the compact file src/text/lmbigram.c maps.

Input: the phrase indices gb_char.bin (1), gbk_char.bin (2), opengram.bin (3)
and merged.bin (4) — token = index << 24 | offset, each item "length u8,
pronunciations u8, unigram count u32, UCS-4 characters …" — and bigram.db,
a Berkeley DB hash read through `db5.3_dump` (db5.3-util): key = token u32,
value = total u32 then (next token u32, count u32) pairs. table.conf gives
the interpolation weight ("lambda parameter").

Output (little-endian; see lmbigram.h for the layout), written atomically.
Words spelled alike in two indices are merged (counts added).

Usage: gen-bigram-lm.py DATA_DIR OUT [DB_DUMP]
"""
import os, struct, subprocess, sys

FNV0, FNVP, M64 = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1
MAX_WORD = 16


def slot_hash(word, mask):
    h = FNV0
    for ch in word:
        h = ((h ^ ord(ch)) * FNVP) & M64
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & M64
    h ^= h >> 33
    return h & mask


def fnv(word):
    h = FNV0
    for ch in word:
        h = ((h ^ ord(ch)) * FNVP) & M64
    return h


def fin(h, mask):
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & M64
    h ^= h >> 33
    return h & mask


def pair_hash(prev, nxt, mask):
    h = ((prev * 0x9e3779b97f4a7c15) ^ nxt) & M64
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & M64
    h ^= h >> 33
    return h & mask


def phrases(path, index):
    d = open(path, 'rb').read()
    (length,) = struct.unpack_from('<I', d, 0)
    if length != len(d) - 8:
        raise SystemExit(f'{path}: unexpected header')
    c = d[8:]
    _total, i1, i2, i3 = struct.unpack_from('<IIII', c, 0)
    idx, cont = c[i1:i2 - 1], c[i2:i3 - 1]
    for t in range(len(idx) // 4):
        (off,) = struct.unpack_from('<I', idx, 4 * t)
        if not off:
            continue
        ln, _npron, freq = struct.unpack_from('<BBI', cont, off)
        if not 0 < ln <= MAX_WORD:
            continue
        word = ''.join(chr(x) for x in struct.unpack_from('<%dI' % ln, cont, off + 6))
        yield (index << 24) | t, word, freq


def main():
    data, out = sys.argv[1], sys.argv[2]
    dump = sys.argv[3] if len(sys.argv) > 3 else 'db5.3_dump'
    lam = None
    for line in open(os.path.join(data, 'table.conf'), encoding='utf-8'):
        if line.startswith('lambda parameter:'):
            lam = float(line.split(':', 1)[1])
    if lam is None:
        raise SystemExit('table.conf: no lambda parameter')
    ids, words, uni, tok2id = {}, [], [], {}
    for index, name in ((1, 'gb_char.bin'), (2, 'gbk_char.bin'), (3, 'opengram.bin'), (4, 'merged.bin')):
        for tok, word, freq in phrases(os.path.join(data, name), index):
            i = ids.get(word)
            if i is None:
                i = ids[word] = len(words)
                words.append(word)
                uni.append(0)
            uni[i] += freq
            tok2id[tok] = i
    pairs = {}
    text = subprocess.run([dump, os.path.join(data, 'bigram.db')], check=True, capture_output=True).stdout
    lines = text.decode('ascii').split('\n')
    body = lines[lines.index('HEADER=END') + 1:]
    for k in range(0, len(body) - 1, 2):
        if body[k].startswith('DATA=END'):
            break
        key, val = bytes.fromhex(body[k].strip()), bytes.fromhex(body[k + 1].strip())
        (prev,) = struct.unpack('<I', key)
        a = tok2id.get(prev)
        if a is None or len(val) < 4:
            continue
        succ = pairs.setdefault(a, {})
        for j in range(4, len(val) - 7, 8):
            nt, cnt = struct.unpack_from('<II', val, j)
            b = tok2id.get(nt)
            if b is not None and cnt:
                succ[b] = succ.get(b, 0) + cnt
    n = len(words)
    nslots = 1
    while nslots < n * 2:
        nslots <<= 1
    slots = [0] * nslots
    for i, w in enumerate(words):
        j = slot_hash(w, nslots - 1)
        while slots[j]:
            j = (j + 1) & (nslots - 1)
        slots[j] = i + 1
    pool, woff = [], [0]
    for w in words:
        pool.extend(ord(ch) for ch in w)
        woff.append(len(pool))
    pstart, pnext, pcount, ctxtot = [0], [], [], []
    for i in range(n):
        succ = pairs.get(i, {})
        for b in sorted(succ):
            pnext.append(b)
            pcount.append(succ[b])
        ctxtot.append(sum(succ.values()))
        pstart.append(len(pnext))
    npslots = 1
    while npslots < len(pnext) * 2:
        npslots <<= 1
    pslots = [0] * npslots
    for a in range(n):
        for k in range(pstart[a], pstart[a + 1]):
            j = pair_hash(a, pnext[k], npslots - 1)
            while pslots[j]:
                j = (j + 1) & (npslots - 1)
            pslots[j] = k + 1
    # every beginning of two or more characters of a word (the word too): its
    # hash's upper half, so that the lattice stops extending a candidate
    # as soon as no word starts that way (a rare false match costs a lookup)
    heads = set()
    for w in words:
        h = fnv(w[0])
        for k in range(1, len(w)):
            h = ((h ^ ord(w[k])) * FNVP) & M64
            heads.add(h)
    nhslots = 1
    while nhslots < len(heads) * 2:
        nhslots <<= 1
    hslots = [0] * nhslots
    for h in heads:
        j = fin(h, nhslots - 1)
        while hslots[j]:
            j = (j + 1) & (nhslots - 1)
        hslots[j] = (h >> 32) | 1
    total = sum(uni)
    maxlen = max(len(w) for w in words)
    head = struct.pack('<8sIIIIIIIIdQ', b'ZDBIGRM1', 3, n, nslots, len(pool), len(pnext), maxlen, npslots, nhslots,
                       lam, total)
    tmp = out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(head)
        for arr in (woff, uni, ctxtot, pstart, slots, pool, pnext, pcount, pslots, hslots):
            f.write(struct.pack('<%dI' % len(arr), *arr))
    os.replace(tmp, out)
    print(f'{out}: {n} words, {len(pnext)} bigrams, lambda {lam}')


if __name__ == '__main__':
    main()
