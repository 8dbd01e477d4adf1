import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { stringify as toYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { findProject } from '../../experiment/project.js';
import { createLogger } from '../../logging/logger.js';
import type { PreparedRun } from '../../run/prepare.js';
import { splitRunWords } from '../tokens.js';

interface ConfigArgs {
  readonly words?: string[];
  readonly force?: boolean;
}

async function prepareFromWords(words: readonly string[], force: boolean, extraTokens: (t: string[]) => string[] = (t) => t, lenient = false): Promise<PreparedRun> {
  const { prepareRun } = await import('../../run/prepare.js');
  const w = splitRunWords(words, 1);
  const cwd = process.cwd();
  const logger = createLogger('exp');
  return prepareRun({
    project: findProject(cwd), cwd, withTokens: extraTokens(w.withTokens), force, lenient, warn: (m) => logger.warn(m),
    ...(w.experiment !== undefined ? { experimentRef: w.experiment } : {}),
  });
}

const words = (y: Argv) =>
  y.positional('words', { type: 'string', array: true, describe: 'experiment, then `with` and updates' })
    .option('force', { alias: 'f', type: 'boolean', describe: 'keep unknown config keys' });

/** `exp print_config [EXPERIMENT] [with ...]`: the final config with Sacred's added/modified/typechanged marks. */
export const printConfigCommand = {
  command: 'print_config [words..]',
  describe: 'print the final config (modified, added and type-changed entries marked)',
  builder: words,
  async handler(argv: ConfigArgs): Promise<void> {
    const { formatConfig, useColor } = await import('../../config/print.js');
    const p = await prepareFromWords((argv.words ?? []).map(String), Boolean(argv.force), undefined, true);
    process.stdout.write(formatConfig(p.built.config, p.built.summary, { color: useColor(), schema: p.schema, ...(p.experiment.description ? { doc: p.experiment.description } : {}) }));
  },
};

/** `exp print_named_configs [EXPERIMENT]`. */
export const printNamedConfigsCommand = {
  command: 'print_named_configs [words..]',
  describe: 'list the named configs of an experiment',
  builder: words,
  async handler(argv: ConfigArgs): Promise<void> {
    const { useColor } = await import('../../config/print.js');
    const p = await prepareFromWords((argv.words ?? []).map(String), true);
    const named = Object.entries(p.experiment.namedConfigs ?? {});
    const color = useColor();
    const dim = (s: string) => (color ? `\x1b[2m${s}\x1b[0m` : s);
    if (!named.length) return void process.stdout.write('No named configs\n');
    const lines = [`Named Configurations (${dim('doc')}):`];
    const w = Math.max(...named.map(([n]) => n.length));
    for (const [name, nc] of named) lines.push(`  ${nc.doc ? name.padEnd(w) : name}${nc.doc ? dim(`   # ${nc.doc}`) : ''}`);
    process.stdout.write(lines.join('\n') + '\n');
  },
};

/** `exp save_config [EXPERIMENT] [with ... config_filename=FILE]`: writes the final config (.json, .yaml). */
export const saveConfigCommand = {
  command: 'save_config [words..]',
  describe: 'write the final config to config_filename (default config.json; .json, .yaml or .yml)',
  builder: words,
  async handler(argv: ConfigArgs): Promise<void> {
    const { dumpPythonJson } = await import('../../json/python-json.js');
    let filename = 'config.json';
    const p = await prepareFromWords((argv.words ?? []).map(String), Boolean(argv.force), (tokens) =>
      tokens.filter((t) => {
        const m = /^config_filename=(.+)$/.exec(t.trim());
        if (m) filename = m[1]!.trim().replace(/^['"]|['"]$/g, '');
        return !m;
      }),
    );
    const ext = extname(filename).toLowerCase();
    if (!['.json', '.yaml', '.yml'].includes(ext)) throw new UsageError(`config_filename=${filename}: unsupported format; expected .json, .yaml or .yml`);
    const text = ext === '.json' ? dumpPythonJson(p.built.config) : toYaml(p.built.config, { sortMapEntries: true });
    await writeFile(resolve(filename), text);
    process.stderr.write(`INFO - ${p.experiment.name} - Saved config to ${filename}\n`);
  },
};

/** `exp print_dependencies [EXPERIMENT]`: loaded packages, content-hashed sources, git state. */
export const printDependenciesCommand = {
  command: 'print_dependencies [words..]',
  describe: 'print the packages, source files (md5) and git state a run would record',
  builder: words,
  async handler(argv: ConfigArgs): Promise<void> {
    const { collectExperimentInfo } = await import('../../run/experiment-info.js');
    const { useColor } = await import('../../config/print.js');
    const p = await prepareFromWords((argv.words ?? []).map(String), true);
    const info = await collectExperimentInfo(p.experiment, p.experimentFile, findProject(process.cwd()));
    const lines = ['Dependencies:'];
    for (const d of info.dependencies) {
      const [name, version] = d.split('==') as [string, string];
      lines.push(`  ${name.padEnd(20)} == ${version}`);
    }
    lines.push('', 'Sources:');
    for (const s of info.sources) lines.push(`  ${s.relativePath.padEnd(43)}  ${s.md5}`);
    if (info.repositories.length) {
      lines.push('', 'Version Control:');
      const seen = new Set<string>();
      for (const r of info.repositories) {
        const key = `${r.url} ${r.commit} ${r.dirty}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const mark = r.dirty ? (useColor() ? '\x1b[31mM\x1b[0m' : 'M') : ' ';
        lines.push(`${mark} ${r.url.padEnd(50)} ${r.commit}`);
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
  },
};

/** `exp schema EXPERIMENT [--out FILE]`: the config JSON Schema for editors. */
export const schemaCommand = {
  command: 'schema <experiment>',
  describe: 'print the JSON Schema of an experiment\'s config (for YAML autocompletion in editors)',
  builder: (y: Argv) => y.positional('experiment', { type: 'string', describe: 'experiment name or path' }).option('out', { alias: 'o', type: 'string', describe: 'write to FILE instead of stdout', requiresArg: true }),
  async handler(argv: { experiment?: string; out?: string }): Promise<void> {
    const { loadExperiment, resolveExperimentFile } = await import('../../experiment/load.js');
    const { editorSchema, effectiveSchema } = await import('../../config/schema.js');
    const cwd = process.cwd();
    const file = resolveExperimentFile(String(argv.experiment), findProject(cwd), cwd);
    const exp = await loadExperiment(file);
    const text = JSON.stringify(editorSchema(exp.name, effectiveSchema(exp.schema, exp.defaults)), null, 2) + '\n';
    if (argv.out) await writeFile(resolve(argv.out), text);
    else process.stdout.write(text);
  },
};

/** `exp ls`: the experiments of the project. */
export const listExperimentsCommand = {
  command: 'ls',
  describe: 'list the experiments in the project\'s experiments folder',
  builder: (y: Argv) => y.option('json', { type: 'boolean', describe: 'print JSON' }),
  async handler(argv: { json?: boolean }): Promise<void> {
    const { listExperimentNames } = await import('../../experiment/load.js');
    const project = findProject(process.cwd());
    const names = listExperimentNames(project);
    if (argv.json) return void process.stdout.write(JSON.stringify(names) + '\n');
    process.stdout.write(names.length ? names.map((n) => `${n}\n`).join('') : `no experiments in ${project.experimentsDir}\n`);
  },
};
