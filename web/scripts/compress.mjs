// Post-build step: writes a gzip sibling (name.gz) next to every compressible
// file in the build output, so zhendi can serve pre-compressed bytes to
// clients that accept gzip. Files that do not shrink by at least 10% are left
// alone (the server then serves the plain file).
import { readdirSync, readFileSync, writeFileSync, statSync, utimesSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const root = process.argv[2] || 'dist';
const EXT = new Set(['.js', '.mjs', '.css', '.html', '.svg', '.json', '.txt', '.map', '.ttf', '.woff']);
let files = 0, before = 0, after = 0;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) { walk(p); continue; }
    if (!EXT.has(extname(name)) || name.endsWith('.gz')) continue;
    const src = readFileSync(p);
    const gz = gzipSync(src, { level: constants.Z_BEST_COMPRESSION });
    if (gz.length > src.length * 0.9) continue;
    writeFileSync(p + '.gz', gz);
    // same mtime as the source, so ETags of the pair change together
    utimesSync(p + '.gz', st.atime, st.mtime);
    files++; before += src.length; after += gz.length;
  }
}
walk(root);
console.log(`compress: ${files} files, ${(before / 1024).toFixed(0)} KiB → ${(after / 1024).toFixed(0)} KiB gzip`);
