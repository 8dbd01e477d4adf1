#!/usr/bin/env node
// `npm run bench [-- topic ...]`: runs every packages/*/bench/*.bench.ts (or only the named topics) one after
// another, each in its own process so they do not disturb each other's measurements. Each bench measures its
// reference (PyTorch CPU, pycocotools, memcpy...) in the same run and prints ratios; see BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const wanted = process.argv.slice(2);
const benches = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir)) if (f.endsWith('.bench.ts')) benches.push({ topic: basename(f, '.bench.ts'), file: join(dir, f) });
}
const selected = wanted.length ? benches.filter((b) => wanted.includes(b.topic)) : benches;
if (wanted.length && selected.length !== wanted.length) {
  const known = benches.map((b) => b.topic).join(', ');
  console.error(`bench: unknown topic in ${wanted.join(', ')}; known topics: ${known}`);
  process.exit(2);
}
let failed = 0;
for (const { topic, file } of selected) {
  console.log(`\n=== bench: ${topic} (${file.slice(root.length + 1)}) ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) { failed++; console.error(`bench ${topic} failed with exit code ${r.status}`); }
}
process.exit(failed ? 1 : 0);
