/**
 * `ddp-run`: the command-line launcher, torchrun-style. Flags fall back to the environment of the SeqFormer launch
 * script (GPUS_PER_NODE, NNODES, NODE_RANK, MASTER_ADDR, MASTER_PORT), so
 * `MASTER_ADDR=10.0.0.1 NODE_RANK=1 GPUS_PER_NODE=8 NNODES=2 ddp-run train.js` works as it did there.
 */
import { parseArgs } from 'node:util';
import { DdpConfigError } from '../errors.js';
import { type DeviceKind } from '../launch.js';
import { describeFailure } from './failures.js';
import { launch } from './supervisor.js';

const USAGE = `usage: ddp-run [options] <script> [script args...]

Starts one worker per visible GPU (or --nproc-per-node CPU workers) running <script>, with RANK, LOCAL_RANK,
WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT and a per-rank WSOVVIS_SEED in their environment.

options (environment fallback in brackets):
  --nproc-per-node, --nproc N  workers on this node [GPUS_PER_NODE]; default: visible GPUs, else cores
  --device auto|cpu|gpu        device kind of the workers (default auto)
  --nnodes N                   number of nodes [NNODES] (default 1)
  --node-rank N                this node's index [NODE_RANK] (default 0)
  --master-addr HOST           node 0's address [MASTER_ADDR] (default 127.0.0.1)
  --master-port PORT           rendezvous port on node 0 [MASTER_PORT] (default: free port; 29500 on several nodes)
  --seed N                     base seed of the job [WSOVVIS_SEED] (default random)
  --transport NAME             auto, shm, ipc or tcp [WSOVVIS_DDP_TRANSPORT] (default auto: shm on one host)
  --timeout SECONDS            collective timeout [WSOVVIS_DDP_TIMEOUT_MS] (default 600)
  --kill-grace SECONDS         SIGTERM to SIGKILL delay when stopping workers (default 3)
  --no-prefix                  let workers write to the terminal directly instead of as "[rank N] line"
  -h, --help                   this help

exit code: 0 when every worker succeeded, 1 when one failed, 2 for bad arguments, 130 when interrupted.`;

const OPTIONS = {
  'nproc-per-node': { type: 'string' },
  nproc: { type: 'string' },
  device: { type: 'string' },
  nnodes: { type: 'string' },
  'node-rank': { type: 'string' },
  'master-addr': { type: 'string' },
  'master-port': { type: 'string' },
  seed: { type: 'string' },
  transport: { type: 'string' },
  timeout: { type: 'string' },
  'kill-grace': { type: 'string' },
  'no-prefix': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Splits argv into launcher flags and `<script> [args...]` (everything from the first positional on). */
function split(argv: readonly string[]): { flags: string[]; rest: string[] } {
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return { flags, rest: argv.slice(i + 1) };
    if (!arg.startsWith('-')) return { flags, rest: argv.slice(i) };
    flags.push(arg);
    const name = arg.replace(/^--?/, '');
    const spec = (OPTIONS as Record<string, { type: string }>)[name];
    if (spec?.type === 'string' && !arg.includes('=') && i + 1 < argv.length) flags.push(argv[++i]!);
  }
  return { flags, rest: [] };
}

function int(flag: string, raw: string | undefined, scale = 1): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || !Number.isInteger(value * scale)) throw new DdpConfigError(`--${flag}`, 'is not a valid number', scale === 1 ? 'a non-negative integer' : 'a non-negative number', raw);
  return value * scale;
}

/** Runs the launcher with `argv` (without node and the script name); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { flags, rest } = split(argv);
    const { values } = parseArgs({ args: flags, options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const [script, ...args] = rest;
    if (!script) throw new DdpConfigError('<script>', 'no worker script given', 'ddp-run [options] <script> [args...]', argv.join(' '));
    const nproc = int('nproc-per-node', values['nproc-per-node'] ?? values.nproc);
    const nnodes = int('nnodes', values.nnodes);
    const nodeRank = int('node-rank', values['node-rank']);
    const masterPort = int('master-port', values['master-port']);
    const seed = int('seed', values.seed);
    const timeoutMs = int('timeout', values.timeout, 1000);
    const killGraceMs = int('kill-grace', values['kill-grace'], 1000);
    const job = launch({
      script,
      args,
      ...(nproc === undefined ? {} : { nprocPerNode: nproc }),
      ...(values.device === undefined ? {} : { device: values.device as DeviceKind }),
      ...(nnodes === undefined ? {} : { nnodes }),
      ...(nodeRank === undefined ? {} : { nodeRank }),
      ...(values['master-addr'] === undefined ? {} : { masterAddr: values['master-addr'] }),
      ...(masterPort === undefined ? {} : { masterPort }),
      ...(seed === undefined ? {} : { seed }),
      ...(values.transport === undefined ? {} : { transport: values.transport }),
      ...(timeoutMs === undefined ? {} : { timeoutMs: Math.round(timeoutMs) }),
      ...(killGraceMs === undefined ? {} : { killGraceMs: Math.round(killGraceMs) }),
      output: values['no-prefix'] ? 'inherit' : 'prefix',
    });
    const result = await job.done;
    if (result.status === 'FAILED') {
      process.stderr.write(`ddp-run: job failed: ${result.message}\n`);
      const root = result.failures[0];
      if (root?.stack) process.stderr.write(`${root.stack.replace(/^/gm, '    ')}\n`);
      for (const other of result.failures.slice(1)) process.stderr.write(`ddp-run: then ${describeFailure(other)}\n`);
    } else if (result.status === 'INTERRUPTED') {
      process.stderr.write(`ddp-run: ${result.message}\n`);
    }
    return result.exitCode;
  } catch (err) {
    const e = err as Error & { code?: unknown; exitCode?: unknown; hint?: unknown };
    if (typeof e.code === 'string' && typeof e.exitCode === 'number') {
      process.stderr.write(`ddp-run: ${e.message}\n${typeof e.hint === 'string' ? `  hint: ${e.hint}\n` : ''}`);
      if (e.exitCode === 2) process.stderr.write(`run 'ddp-run --help' for usage\n`);
      return e.exitCode;
    }
    if ((e as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (e as { code?: unknown }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`ddp-run: ${e.message}\nrun 'ddp-run --help' for usage\n`);
      return 2;
    }
    throw err;
  }
}
