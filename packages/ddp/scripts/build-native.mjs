#!/usr/bin/env node
// Builds the shared-memory addon of the ddp `shm` transport: native/shm.c -> native/build/shm.node (git-ignored).
// Run by the root `prepare` script (npm install / npm ci) and scripts/setup/node.sh. Fast when up to date (a stamp
// holds the hash of the source and the command). It never fails an install: without a compiler, or off Linux, it
// prints one line saying the transport is off and why, and the unix-socket transport is used. With CI=true a
// failed build exits 1, because CI checks the addon.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'native', 'shm.c');
const OUT_DIR = join(ROOT, 'native', 'build');
const OUT = join(OUT_DIR, 'shm.node');
const STAMP = join(OUT_DIR, 'shm.stamp');
const ci = process.env.CI === 'true' || process.env.CI === '1';

function off(why) {
  console.error(`ddp: shared-memory transport off (${why}); collectives use the unix-socket transport`);
  process.exit(ci ? 1 : 0);
}

if (process.platform !== 'linux') off(`built on Linux only, this is ${process.platform}`);

function findCompiler() {
  const candidates = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean);
  for (const cc of candidates) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // next
    }
  }
  return undefined;
}

function findHeaders() {
  const dirs = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return dirs.find((d) => existsSync(join(d, 'node_api.h')));
}

function loads(file) {
  try {
    const m = createRequire(import.meta.url)(file);
    return typeof m.create === 'function' && typeof m.reduce === 'function' ? undefined : 'the addon lacks its functions';
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

const cc = findCompiler();
if (!cc && existsSync(OUT) && !loads(OUT)) {
  console.error('ddp: no C compiler found; keeping the shared-memory addon built before (packages/ddp/native/build/shm.node)');
  process.exit(0);
}
if (!cc) off('no C compiler found: install gcc (or set CC) and run `npm run prepare`');
const headers = findHeaders();
// Without node_api.h, shm.c declares the few Node-API functions it uses (their ABI is stable).
const flags = ['-O3', '-std=gnu11', '-Wall', '-shared', '-fPIC', '-fvisibility=hidden', ...(headers ? [`-I${headers}`] : ['-DSHM_NO_NAPI_HEADER'])];
const stamp = createHash('sha256').update(readFileSync(SOURCE)).update(JSON.stringify([cc, flags, process.versions.napi])).digest('hex');
if (existsSync(OUT) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stamp && !loads(OUT)) process.exit(0);

mkdirSync(OUT_DIR, { recursive: true });
const tmp = `${OUT}.${process.pid}.tmp`;
try {
  execFileSync(cc, [...flags, '-o', tmp, SOURCE], { stdio: ['ignore', 'pipe', 'pipe'] });
} catch (err) {
  rmSync(tmp, { force: true });
  const stderr = err && typeof err === 'object' && 'stderr' in err ? String(err.stderr).trim().split('\n')[0] : String(err);
  off(`compiling native/shm.c with ${cc} failed: ${stderr}`);
}
renameSync(tmp, OUT); // never a half-written addon
const problem = loads(OUT);
if (problem) {
  rmSync(OUT, { force: true });
  off(`the built addon does not load: ${problem}`);
}
writeFileSync(STAMP, stamp);
console.error(`ddp: built the shared-memory addon (${headers ? 'node_api.h from ' + headers : 'built-in Node-API declarations'}) -> packages/ddp/native/build/shm.node`);
