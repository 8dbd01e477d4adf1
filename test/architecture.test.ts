import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package graph of ../shared/reference/style.md: who may import whom. Any in-house edge not listed is forbidden.
const ALLOWED: Record<string, readonly string[]> = {
  tensor: [],
  ddp: [],
  experiment: [],
  dinov2: ['tensor'],
  vis: ['tensor', 'dinov2'],
  seqformer: ['tensor', 'dinov2', 'vis'],
};
// Narrower rules inside a package: which source folders may use an edge.
const EDGE_SCOPE: Record<string, Record<string, (file: string) => boolean>> = {
  vis: {
    tensor: (f) => f.startsWith('src/pseudo/'),
    dinov2: (f) => f.startsWith('src/pseudo/'),
  },
};
const SEQFORMER_VIS_SUBPATHS = new Set(['@wsovvis/vis/rle', '@wsovvis/vis/ytvis']);
const TFJS_FREE_VIS_DIRS = ['src/rle/', 'src/ytvis/', 'src/eval/', 'src/datasets/'];

const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.ts$/.test(entry) && !/\.test\.ts$/.test(entry)) out.push(full);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

describe('package graph', () => {
  for (const [pkg, allowed] of Object.entries(ALLOWED)) {
    it(`${pkg} imports only what the table allows`, () => {
      const pkgDir = join(root, 'packages', pkg);
      const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const declared = Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@wsovvis/'));
      for (const dep of declared) expect(allowed, `${pkg}/package.json depends on ${dep}`).toContain(dep.slice(9));

      const violations: string[] = [];
      for (const file of sourceFiles(join(pkgDir, 'src'))) {
        const rel = relative(pkgDir, file).replaceAll('\\', '/');
        for (const spec of importsOf(file)) {
          if (spec.startsWith('@wsovvis/')) {
            const target = spec.slice(9).split('/')[0]!;
            if (!allowed.includes(target)) violations.push(`${rel} imports ${spec}`);
            const scope = EDGE_SCOPE[pkg]?.[target];
            if (scope && !scope(rel)) violations.push(`${rel} imports ${spec} outside its allowed folder`);
            if (pkg === 'seqformer' && target === 'vis' && !SEQFORMER_VIS_SUBPATHS.has(spec))
              violations.push(`${rel} imports ${spec}; seqformer may use only @wsovvis/vis/rle and /ytvis`);
            if (/\/(src|dist)\//.test(spec)) violations.push(`${rel} reaches into ${spec} instead of an exported subpath`);
          }
          if (pkg === 'ddp' && spec.startsWith('@tensorflow/')) violations.push(`${rel} imports ${spec}`);
          if (pkg === 'experiment' && spec.startsWith('@tensorflow/')) violations.push(`${rel} imports ${spec}`);
          if (pkg === 'vis' && TFJS_FREE_VIS_DIRS.some((d) => rel.startsWith(d)) && spec.startsWith('@tensorflow/'))
            violations.push(`${rel} imports ${spec}; this part of vis stays pure`);
        }
      }
      expect(violations).toEqual([]);
    });
  }
});
