import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { findProject } from '../../experiment/project.js';
import { createLogger } from '../../logging/logger.js';
import type { RunObserver } from '../../observers/observer.js';
import { getObserverEntry, observerEntries } from '../../observers/registry.js';
import type { RunStore } from '../../store/store.js';
import { type RunFlags, metaOptions, parseRunFlags, runOptions } from '../run-options.js';
import { splitRunWords } from '../tokens.js';

/** `-F a -F b` gives an array: every value counts. */
export function flagValues(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Observers named on the command line, by registry flag. */
export async function observersFromFlags(f: RunFlags, cwd: string): Promise<RunObserver[]> {
  const out: RunObserver[] = [];
  const flags = Object.fromEntries(observerEntries().map((e) => [e.flag, flagValues(f[e.flag])]));
  for (const e of observerEntries()) for (const v of flagValues(f[e.flag])) out.push(await e.createObserver(v, { cwd, flags }));
  return out;
}

/** The store for `--resume`/`exp runs`: the highest-priority observer flag given (`-m` before `-F`). */
export async function storeFromFlags(f: Record<string, unknown>, cwd: string, what: string): Promise<RunStore> {
  const given = observerEntries().filter((e) => flagValues(f[e.flag]).length);
  if (!given.length) throw new UsageError(`${what}: needs a run store; expected ${observerEntries().map((e) => `-${e.alias} ${e.valueName}`).join(' or ')}`);
  const order = ['mongo_db', 'file_storage'];
  given.sort((a, b) => (order.indexOf(a.flag) + 1 || 99) - (order.indexOf(b.flag) + 1 || 99));
  const e = getObserverEntry(given[0]!.flag);
  return e.createStore(flagValues(f[e.flag])[0]!, { cwd });
}

/** `exp run [EXPERIMENT] [COMMAND] [with UPDATE...] [flags]`. */
export const runCommand = {
  command: 'run [words..]',
  describe: 'run an experiment: exp run [EXPERIMENT] [COMMAND] [with FILE.yaml NAMED_CONFIG key.path=value ...]',
  builder: (y: Argv) => runOptions(y.positional('words', { type: 'string', array: true, describe: 'experiment, command, then `with` and updates' })),
  async handler(argv: RunFlags): Promise<void> {
    const { prepareRun } = await import('../../run/prepare.js');
    const { executeRun } = await import('../../run/lifecycle.js');
    const cwd = process.cwd();
    const flags = parseRunFlags(argv);
    const words = splitRunWords((argv.words ?? []).map(String));
    if (argv.resume !== undefined && argv.id !== undefined) throw new UsageError('--resume and -i/--id cannot be combined; --resume keeps the run\'s id');
    if (argv.resume !== undefined && argv.queue) throw new UsageError('--resume and -q/--queue cannot be combined');
    const project = findProject(cwd);
    const logger = createLogger('exp', flags.logLevel);
    const resumeStore = argv.resume !== undefined ? await storeFromFlags(argv, cwd, '--resume') : undefined;
    try {
      const prepared = await prepareRun({
        project, cwd, withTokens: words.withTokens, force: Boolean(argv.force), warn: (m) => logger.warn(m),
        ...(words.experiment !== undefined ? { experimentRef: words.experiment } : {}),
        ...(words.command !== undefined ? { command: words.command } : {}),
        ...(resumeStore ? { resume: { id: argv.resume!, store: resumeStore } } : {}),
      });
      const unobservedCommand = prepared.command !== 'main' && prepared.experiment.commands?.[prepared.command]?.unobserved;
      const observers = argv.unobserved || unobservedCommand ? [] : await observersFromFlags(argv, cwd);
      const outcome = await executeRun(prepared, {
        observers, project, logLevel: flags.logLevel, beatInterval: flags.beatInterval, metaOptions: metaOptions(argv, words),
        ...(argv.name !== undefined ? { name: argv.name } : {}),
        ...(argv.id !== undefined ? { id: argv.id } : {}),
        ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
        ...(flags.capture !== undefined ? { capture: flags.capture } : {}),
        ...(argv.comment !== undefined ? { comment: argv.comment } : {}),
        ...(flags.nproc !== undefined ? { nproc: flags.nproc } : {}),
        debug: Boolean(argv.debug), printConfig: Boolean(argv['print-config']), enforceClean: Boolean(argv.enforce_clean), queue: Boolean(argv.queue),
      });
      if (outcome.status === 'FAILED' && outcome.error) {
        const e = outcome.error;
        // A typed error (code + exitCode) says what is wrong in one line, as everywhere in the CLI; its stack
        // stays in the run's fail_trace. Anything else is a bug: print the trace (Sacred's behaviour).
        const typed = typeof e.code === 'string' && typeof e.exitCode === 'number';
        if (argv.debug) process.stderr.write(`${e.stack ?? e.message}\n`);
        else if (typed) {
          const where = e.rank !== undefined ? `rank ${e.rank}: ` : '';
          process.stderr.write(`error: ${where}${e.message} [${e.code}]\n${e.hint ? `  hint: ${e.hint}\n` : ''}  (stack in the run's fail_trace; -d prints it)\n`);
        } else process.stderr.write((outcome.failTrace ?? []).join(''));
      }
      process.exitCode = outcome.exitCode;
    } finally {
      await resumeStore?.close();
    }
  },
};
