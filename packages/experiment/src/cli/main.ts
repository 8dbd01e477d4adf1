// The `exp` CLI: parses with yargs and dispatches; every sub-command lives in cli/commands/ and lazy-imports the
// programmatic API it needs, so `exp --help` stays fast.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ExperimentError, UsageError, isShapedError } from '../errors.js';
import { findProject } from '../experiment/project.js';
import { trackLoadedModules } from '../run/loaded-modules.js';
import type { ExpCommand } from './command.js';
import { listExperimentsCommand, printConfigCommand, printDependenciesCommand, printNamedConfigsCommand, saveConfigCommand, schemaCommand } from './commands/config.js';
import { runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
// Loaded eagerly (before the TypeScript and import-tracking hooks are registered) so that the framework's own
// modules do not pay for the hooks; only experiments and domain commands go through them.
import '../run/prepare.js';
import '../run/lifecycle.js';
import '../store/file-store.js';

/** Load the project's domain commands (`"exp": {"commands": ...}` of the root package.json). */
async function loadDomainCommands(): Promise<ExpCommand[]> {
  const project = findProject(process.cwd());
  if (!project.commandsModule) return [];
  const { importModule } = await import('../experiment/load.js');
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(project.commandsModule);
  } catch (e) {
    throw new ExperimentError('EXP_COMMANDS_LOAD', `${project.commandsModule}: cannot load the domain commands: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  const list = mod.commands;
  if (!Array.isArray(list)) throw new ExperimentError('EXP_COMMANDS_LOAD', `${project.commandsModule}: expected \`export const commands: ExpCommand[]\``);
  for (const c of list as ExpCommand[])
    if (!c || (typeof c.command !== 'string' && !Array.isArray(c.command)) || typeof c.handler !== 'function')
      throw new ExperimentError('EXP_COMMANDS_LOAD', `${project.commandsModule}: every command needs a 'command' string and a 'handler' function`);
  return list as ExpCommand[];
}

/** Print an error the way the CLI reports every failure: one line (plus a hint line), stack only with --debug. */
export function reportError(e: unknown, debug: boolean): number {
  if (isShapedError(e)) {
    process.stderr.write(`error: ${e.message} [${e.code}]\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}

/** Run the CLI on `argv` (without node and script). Resolves with the exit code. */
export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  const debug = argv.includes('-d') || argv.includes('--debug');
  try {
    trackLoadedModules();
    const domain = await loadDomainCommands();
    let y: Argv = yargs(argv)
      .scriptName('exp')
      .usage('exp <command> [options]\n\nSacred-style experiments: exp run [EXPERIMENT] [with FILE.yaml NAMED key.path=value ...] [-F DIR]')
      .parserConfiguration({ 'parse-positional-numbers': false, 'dot-notation': false, 'duplicate-arguments-array': true, 'strip-aliased': false })
      .command(runCommand as never)
      .command(printConfigCommand as never)
      .command(printNamedConfigsCommand as never)
      .command(saveConfigCommand as never)
      .command(printDependenciesCommand as never)
      .command(schemaCommand as never)
      .command(listExperimentsCommand as never)
      .command(runsCommand as never);
    for (const c of domain) y = y.command(c as never);
    await y
      .demandCommand(1, 'expected a command (run, print_config, runs, ...)')
      .strictCommands()
      .strictOptions()
      .recommendCommands()
      .help()
      .alias('h', 'help')
      .version(false)
      .wrap(Math.min(120, process.stdout.columns || 100))
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new UsageError(msg.split('\n')[0]!, "see 'exp --help'");
      })
      .parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0) || 0;
  } catch (e) {
    return reportError(e, debug);
  }
}

/** Wait until stdout and stderr have handed their data to the OS. */
function drain(): Promise<void> {
  const wait = (s: NodeJS.WriteStream) => new Promise<void>((r) => (s.writableNeedDrain ? s.once('drain', () => r()) : r()));
  return Promise.all([wait(process.stdout), wait(process.stderr)]).then(() => undefined);
}

const code = await main();
await drain();
// Exit explicitly: handles a finished experiment left open (timers, sockets, thread pools) must not keep `exp` alive.
process.exit(code);
