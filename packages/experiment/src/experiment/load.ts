import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ExperimentNotFoundError } from '../errors.js';
import { didYouMean } from '../config/suggest.js';
import { type Experiment, isExperiment } from './define.js';
import type { ProjectSettings } from './project.js';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
let tsxRegistered: Promise<void> | undefined;

/** Make `import()` of TypeScript files work (tsx's ESM register API). Idempotent. */
export function enableTypeScript(): Promise<void> {
  tsxRegistered ??= import('tsx/esm/api').then((m) => {
    m.register();
  });
  return tsxRegistered;
}

/** Import a module (TypeScript allowed) by absolute path. */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (/\.[cm]?tsx?$/.test(file)) await enableTypeScript();
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** Names of the experiments in the project's experiments folder (`<name>.ts` or `<name>/index.ts`). */
export function listExperimentNames(project: ProjectSettings): string[] {
  if (!existsSync(project.experimentsDir)) return [];
  const names: string[] = [];
  for (const e of readdirSync(project.experimentsDir, { withFileTypes: true })) {
    if (e.isFile() && EXTENSIONS.includes(extname(e.name)) && !/\.(test|bench|d)\.[cm]?[tj]s$/.test(e.name)) names.push(basename(e.name, extname(e.name)));
    else if (e.isDirectory() && EXTENSIONS.some((x) => existsSync(join(project.experimentsDir, e.name, `index${x}`)))) names.push(e.name);
  }
  return names.filter((n) => !['launcher', 'commands'].includes(n)).sort();
}

/**
 * Resolve an experiment reference to a file: a path (absolute, or relative to `cwd`, with or without extension)
 * or a name in the experiments folder (`hello` -> `experiments/hello.ts` or `experiments/hello/index.ts`).
 * @throws ExperimentNotFoundError (exit 2) with a did-you-mean and the available names.
 */
export function resolveExperimentFile(ref: string, project: ProjectSettings, cwd = process.cwd(), from?: string): string {
  const candidates: string[] = [];
  const isPathLike = ref.includes('/') || ref.includes('\\') || EXTENSIONS.includes(extname(ref));
  const base = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (isPathLike) candidates.push(base, ...EXTENSIONS.map((x) => base + x), ...EXTENSIONS.map((x) => join(base, `index${x}`)));
  if (!isAbsolute(ref)) {
    const inDir = join(project.experimentsDir, ref);
    candidates.push(...EXTENSIONS.map((x) => inDir + x), ...EXTENSIONS.map((x) => join(inDir, `index${x}`)));
  }
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  const names = listExperimentNames(project);
  const suggestion = didYouMean(ref, names);
  const where = relative(cwd, project.experimentsDir) || '.';
  throw new ExperimentNotFoundError(
    `${from ? `${from}: ` : ''}unknown experiment '${ref}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
    names.length ? `experiments in ${where}/: ${names.join(', ')}; or give a path to a module` : `no experiments in ${where}/; give a path to a module`,
  );
}

/**
 * Import an experiment module and return its experiment: the default export, or the export named
 * `experiment`, made by defineExperiment.
 * @throws ExperimentNotFoundError (exit 2) when the module fails to load or exports no experiment.
 */
export async function loadExperiment(file: string, exportName?: string): Promise<Experiment> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (e) {
    const err = e as Error;
    throw new ExperimentNotFoundError(`${file}: cannot load the experiment module: ${err.message.split('\n')[0]}`, undefined, e);
  }
  const picked = exportName ? mod[exportName] : (mod.default ?? mod.experiment);
  if (!isExperiment(picked))
    throw new ExperimentNotFoundError(`${file}: exports no experiment; expected \`export default defineExperiment({...})\``);
  return picked;
}
