// A random initial password that satisfies any reasonable policy: 14
// characters from all four classes, no look-alikes (0/O, 1/l/I), drawn
// from crypto.getRandomValues.
const SETS = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!@#$%^&*-_=+?'];

function pick(set) {
  const b = new Uint32Array(1);
  crypto.getRandomValues(b);
  return set[b[0] % set.length];
}

export function generatePassword(length = 14) {
  const chars = SETS.map(pick);
  const all = SETS.join('');
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const b = new Uint32Array(1);
    crypto.getRandomValues(b);
    const j = b[0] % (i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
