/**
 * The launcher: forks one worker per device with node:cluster (which also gives each worker a channel to the
 * launcher and makes workers exit when the launcher dies), hosts the rendezvous store on node 0, captures worker
 * output line by line, and supervises: the first worker that throws or dies stops every worker of every node
 * (SIGTERM, then SIGKILL after a grace period, descendants included), and SIGINT stops them as an interruption.
 */
import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DdpError } from '../errors.js';
import { type LaunchPlan, type LaunchTopologyOptions, planLaunch, workerEnvironment } from '../launch.js';
import { deriveRankSeed } from '../random.js';
import { StoreClient } from '../rendezvous/store-client.js';
import { RendezvousServer } from '../rendezvous/store-server.js';
import type { WorkerErrorMessage } from '../worker.js';
import { type OutputSink, captureLines, prefixedConsoleSink } from './output.js';
import { descendantsOf, signalTree } from './process-tree.js';
import { SECONDARY_CODES, type WorkerFailure, describeFailure, lostFailure, orderFailures, setupFailure } from './failures.js';

/** Options of {@link launch}. */
export interface LaunchOptions extends LaunchTopologyOptions {
  /** The worker script (JS; TS needs `execArgv: ['--import', 'tsx']`). Its default export, if a function, is called. */
  readonly script: string;
  readonly args?: readonly string[];
  /** Node flags of the workers (default: the launcher's own). */
  readonly execArgv?: readonly string[];
  /** Extra environment of the workers, over the launcher's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Transport of the workers' process groups (sets WSOVVIS_DDP_TRANSPORT). */
  readonly transport?: string;
  /** Collective timeout of the workers, ms (sets WSOVVIS_DDP_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Ring frame size of the workers, bytes (sets WSOVVIS_DDP_SEGMENT_BYTES). */
  readonly segmentBytes?: number;
  /** Worker output: `prefix` (default) prints `[rank N] line`; `inherit` shares the launcher's stdio; or a sink. */
  readonly output?: 'prefix' | 'inherit' | OutputSink;
  /** Time between SIGTERM and SIGKILL when stopping workers, ms (default 3000). */
  readonly killGraceMs?: number;
  /** Stop the job on SIGINT/SIGTERM of the launcher process (default true). */
  readonly handleSignals?: boolean;
  /** How long nodes wait for node 0 and for each other, ms (default 300000). */
  readonly rendezvousTimeoutMs?: number;
  /** Receives every message a worker sends with `sendToLauncher`, in the order it sent them. */
  readonly onMessage?: (rank: number, message: unknown) => void;
  /** Called once per worker when it has exited and its output has been delivered (after its last message). */
  readonly onWorkerExit?: (rank: number, code: number | null, signal: string | null) => void;
}

/** Outcome of a job, as Sacred names run states. */
export type JobStatus = 'COMPLETED' | 'FAILED' | 'INTERRUPTED';

/** A worker as started. */
export interface WorkerInfo {
  readonly rank: number;
  readonly localRank: number;
  readonly nodeRank: number;
  readonly pid: number;
  readonly hostname: string;
  /** `cpu` or `cuda:<id>`. */
  readonly device: string;
  /** The worker's own seed (WSOVVIS_SEED). */
  readonly seed: number;
}

export type { WorkerFailure } from './failures.js';

/** What a job ended with. */
export interface LaunchResult {
  readonly status: JobStatus;
  /** 0 completed, 1 failed, 130 interrupted (the CLI's exit code). */
  readonly exitCode: 0 | 1 | 130;
  /** One line for logs, e.g. `rank 1 (pid 4242 on host, node 0) failed: Error: boom`. */
  readonly message: string;
  /** This node's workers. */
  readonly workers: readonly WorkerInfo[];
  /** Failures in the order they were observed; the first is the root cause. */
  readonly failures: readonly WorkerFailure[];
  readonly durationMs: number;
}

const SOURCE_MODE = import.meta.url.endsWith('.ts');
const BOOTSTRAP = fileURLToPath(new URL(`./worker-bootstrap.${SOURCE_MODE ? 'ts' : 'js'}`, import.meta.url));

/** Starts a distributed job on this node; see {@link DistributedJob}. @throws DdpConfigError for a bad plan. */
export function launch(options: LaunchOptions): DistributedJob {
  return new DistributedJob(options, planLaunch(options));
}

/** A running job: its plan, its workers once started, and its outcome. */
export class DistributedJob {
  /** Resolves with this node's workers once they are all forked. */
  readonly ready: Promise<WorkerInfo[]>;
  /** Resolves when every worker of this node has exited (and, on node 0, every node has finished). */
  readonly done: Promise<LaunchResult>;
  private readonly started = Date.now();
  private readonly workers = new Map<number, { worker: Worker; info: WorkerInfo; descendants: number[] }>();
  private readonly failures: WorkerFailure[] = [];
  private readonly errorReports = new Map<number, WorkerErrorMessage>();
  private readonly outputs: Promise<void>[] = [];
  private readonly exitCallbacks: Promise<void>[] = [];
  private status: JobStatus | undefined;
  private stopping = false;
  /** Signals this launcher has sent to its workers: a worker killed by another signal was killed from outside. */
  private readonly sentSignals = new Set<NodeJS.Signals>();
  private killTimer: NodeJS.Timeout | undefined;
  private server: RendezvousServer | undefined;
  private agent: StoreClient | undefined;
  private remoteFinished = new Set<number>();
  private wake: () => void = () => undefined;
  private readyResolve!: (infos: WorkerInfo[]) => void;
  private readyReject!: (err: Error) => void;
  private signalCount = 0;
  private readonly onSignal = (): void => {
    this.signalCount++;
    if (this.signalCount > 1) this.killAll('SIGKILL');
    else this.stop('INTERRUPTED');
  };

  constructor(
    private readonly options: LaunchOptions,
    /** What this node starts. */
    readonly plan: LaunchPlan,
  ) {
    this.ready = new Promise((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.ready.catch(() => undefined);
    this.done = this.run();
  }

  /** Sends a JSON-serialisable message to the worker of `rank` on this node; false when it is not running. */
  send(rank: number, message: unknown): boolean {
    const entry = this.workers.get(rank);
    if (!entry || !entry.worker.isConnected()) return false;
    entry.worker.send(message as never);
    return true;
  }

  /** Sends SIGKILL to every worker of this node (and their descendants) at once; the job ends as it was stopping. */
  kill(): void {
    if (!this.stopping) this.halt('INTERRUPTED', undefined, 'local');
    this.killAll('SIGKILL');
  }

  /** Stops every worker of the job (all nodes): as an interruption by default, or as a failure. */
  stop(status: 'INTERRUPTED' | 'FAILED' = 'INTERRUPTED', failure?: WorkerFailure): void {
    this.halt(status, failure, 'local');
  }

  private record(failure: WorkerFailure): void {
    const same = (f: WorkerFailure): boolean => f.nodeRank === failure.nodeRank && f.rank === failure.rank && f.pid === failure.pid && f.message === failure.message;
    if (!this.failures.some(same)) this.failures.push(failure);
  }

  private halt(status: 'INTERRUPTED' | 'FAILED', failure: WorkerFailure | undefined, origin: 'local' | 'remote'): void {
    if (failure) this.record(failure);
    if (this.stopping) return;
    this.stopping = true;
    this.status = status;
    if (this.agent && origin === 'local') {
      // tell node 0 at once; it stops the other nodes
      if (status === 'FAILED' && failure) this.agent.send({ t: 'node-failed', nodeRank: this.plan.nodeRank, failure });
      else this.agent.send({ t: 'node-interrupted', nodeRank: this.plan.nodeRank });
    }
    if (this.server) {
      const root = orderFailures(this.failures)[0];
      this.server.abortAgents({ t: 'abort', reason: status === 'INTERRUPTED' ? 'interrupted' : 'failed', message: root ? describeFailure(root) : 'interrupted', ...(root ? { failure: root } : {}) });
    }
    this.killAll('SIGTERM');
    this.killTimer = setTimeout(() => this.killAll('SIGKILL'), this.options.killGraceMs ?? 3000);
    this.wake();
  }

  /** Every worker of the job: this node's, plus other nodes' as they published them (node 0 waits for all). */
  async allWorkers(timeoutMs = 10_000): Promise<WorkerInfo[]> {
    const local = await this.ready;
    if (!this.server || this.plan.nnodes === 1) return local;
    const deadline = Date.now() + timeoutMs;
    const all = [...local];
    for (let node = 1; node < this.plan.nnodes; node++) {
      while (this.server.value(`ddp/workers/${node}`) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const raw = this.server.value(`ddp/workers/${node}`);
      if (raw) all.push(...(JSON.parse(raw) as WorkerInfo[]));
    }
    return all.sort((a, b) => a.rank - b.rank);
  }

  private killAll(signal: NodeJS.Signals): void {
    this.sentSignals.add(signal);
    for (const entry of this.workers.values()) {
      if (entry.worker.isDead()) continue;
      entry.descendants = [...new Set([...entry.descendants, ...descendantsOf(entry.info.pid)])];
      signalTree(entry.info.pid, signal);
      for (const pid of entry.descendants) signalTree(pid, signal);
    }
  }

  private async run(): Promise<LaunchResult> {
    const plan = this.plan;
    const handleSignals = this.options.handleSignals ?? true;
    if (handleSignals) {
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
    }
    const socketDir = mkdtempSync(join(tmpdir(), 'wsovvis-ddp-'));
    try {
      const { port, seed } = await this.rendezvous();
      if (!this.stopping) this.fork(port, seed, socketDir);
      else this.readyReject(new DdpError('DDP_STOPPED', 'the job was stopped before its workers started'));
      await this.waitUntil(() => this.liveWorkers() === 0);
      await settleWithin(Promise.all(this.outputs), 2000); // output pipes drain right after exit
      await Promise.all(this.exitCallbacks);
      if (this.server && !this.stopping) await this.waitUntil(() => this.remoteFinished.size >= plan.nnodes - 1 || this.stopping);
      if (this.server && this.stopping) {
        // collect the other nodes' failures (their root cause may be the job's), within bounds
        const deadline = Date.now() + (this.options.killGraceMs ?? 3000) + 5000;
        await this.waitUntil(() => this.server!.pendingAgents().length === 0 || Date.now() > deadline);
      }
      this.agent?.send({ t: 'node-final', nodeRank: plan.nodeRank, status: this.status ?? 'COMPLETED', failures: this.failures });
    } catch (err) {
      this.readyReject(err as Error);
      if (err instanceof DdpError && err.exitCode === 2) throw err;
      this.stop('FAILED', setupFailure(plan, err as Error));
      await this.waitUntil(() => this.liveWorkers() === 0);
    } finally {
      clearTimeout(this.killTimer);
      if (handleSignals) {
        process.off('SIGINT', this.onSignal);
        process.off('SIGTERM', this.onSignal);
      }
      rmSync(socketDir, { recursive: true, force: true });
      if (this.agent) {
        // let the outcome message leave before closing
        await new Promise((r) => setTimeout(r, 50));
        this.agent.close();
      }
      await this.server?.close();
    }
    const status: JobStatus = this.status ?? 'COMPLETED';
    const failures = orderFailures(this.failures);
    const root = failures[0];
    return {
      status,
      exitCode: status === 'COMPLETED' ? 0 : status === 'FAILED' ? 1 : 130,
      message: status === 'COMPLETED' ? `${plan.worldSize} worker${plan.worldSize > 1 ? 's' : ''} completed` : status === 'INTERRUPTED' ? 'interrupted; every worker was stopped' : describeFailure(root!),
      workers: [...this.workers.values()].map((w) => w.info),
      failures,
      durationMs: Date.now() - this.started,
    };
  }

  /** Node 0 hosts the store; other nodes connect to it and learn the job seed. */
  private async rendezvous(): Promise<{ port: number; seed: number }> {
    const plan = this.plan;
    const timeoutMs = this.options.rendezvousTimeoutMs ?? 300_000;
    if (plan.nodeRank === 0) {
      const server = new RendezvousServer();
      await server.start(plan.masterAddr, plan.masterPort);
      this.server = server;
      server.set('ddp/seed', String(plan.seed!));
      server.on('node-failed', (_node, failure) => this.halt('FAILED', failure, 'remote'));
      server.on('node-interrupted', () => this.halt('INTERRUPTED', undefined, 'remote'));
      server.on('node-lost', (node) => this.halt('FAILED', lostFailure(node, `the launcher of node ${node} disconnected`), 'remote'));
      server.on('node-final', (node, status, failures) => {
        this.remoteFinished.add(node);
        for (const f of failures) this.record(f);
        if (status !== 'COMPLETED') this.halt(status, undefined, 'remote');
        this.wake();
      });
      return { port: server.port, seed: plan.seed! };
    }
    const agent = await StoreClient.connect(plan.masterAddr, plan.masterPort, { t: 'hello', role: 'agent', nodeRank: plan.nodeRank }, timeoutMs);
    this.agent = agent;
    agent.on('abort', (m) => this.halt(m.reason === 'interrupted' ? 'INTERRUPTED' : 'FAILED', m.failure, 'remote'));
    agent.on('close', () => {
      if (this.liveWorkers() > 0 && !this.stopping) this.halt('FAILED', lostFailure(0, `lost the connection to the launcher of node 0 at ${agent.address}`), 'remote');
    });
    const seed = Number(await agent.get('ddp/seed', timeoutMs));
    if (plan.seed !== undefined && plan.seed !== seed) {
      process.stderr.write(`ddp: node ${plan.nodeRank}: seed ${plan.seed} ignored; node 0 chose ${seed} for the job\n`);
    }
    return { port: plan.masterPort, seed };
  }

  private fork(port: number, seed: number, socketDir: string): void {
    const plan = this.plan;
    const output = this.options.output ?? 'prefix';
    const sink: OutputSink | undefined = output === 'inherit' ? undefined : output === 'prefix' ? prefixedConsoleSink : output;
    cluster.setupPrimary({
      exec: BOOTSTRAP,
      args: [resolve(this.options.script), ...(this.options.args ?? [])],
      execArgv: [...(this.options.execArgv ?? process.execArgv)],
      silent: sink !== undefined,
      ...(this.options.cwd ? { cwd: this.options.cwd } : {}),
    });
    const host = hostname();
    const infos: WorkerInfo[] = [];
    for (const planned of plan.workers) {
      const env = {
        ...this.options.env,
        ...workerEnvironment(plan, planned, port, seed, {
          socketDir,
          hostId: `${host}/node${plan.nodeRank}`,
          ...(this.options.transport === undefined ? {} : { transport: this.options.transport }),
          ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
          ...(this.options.segmentBytes === undefined ? {} : { segmentBytes: this.options.segmentBytes }),
        }),
      };
      const worker = cluster.fork(env);
      const info: WorkerInfo = { rank: planned.rank, localRank: planned.localRank, nodeRank: plan.nodeRank, pid: worker.process.pid!, hostname: host, device: planned.device, seed: deriveRankSeed(seed, planned.rank) };
      infos.push(info);
      this.workers.set(planned.rank, { worker, info, descendants: [] });
      const streams = sink
        ? [captureLines(worker.process.stdout!, planned.rank, 'stdout', sink), captureLines(worker.process.stderr!, planned.rank, 'stderr', sink)]
        : [];
      this.outputs.push(...streams);
      const exited = new Promise<[number | null, string | null]>((r) => worker.once('exit', (code: number | null, signal: string | null) => r([code, signal])));
      const onWorkerExit = this.options.onWorkerExit;
      if (onWorkerExit) {
        this.exitCallbacks.push(
          exited.then(async ([code, signal]) => {
            await settleWithin(Promise.all(streams), 2000); // the pipes drain right after exit
            onWorkerExit(planned.rank, code, signal);
          }),
        );
      }
      worker.on('message', (message: unknown) => {
        if (isErrorReport(message)) this.errorReports.set(planned.rank, message);
        else this.options.onMessage?.(planned.rank, message);
      });
      worker.on('error', () => undefined); // a closed channel; the exit event says what happened
      worker.on('exit', (code: number | null, signal: string | null) => this.onExit(info, code, signal));
    }
    this.agent?.set(`ddp/workers/${plan.nodeRank}`, JSON.stringify(infos));
    this.readyResolve(infos);
  }

  private onExit(info: WorkerInfo, code: number | null, signal: string | null): void {
    this.wake();
    if (code === 0 && signal === null) return;
    const report = this.errorReports.get(info.rank);
    // stopped by us; but a worker killed from outside (SIGKILL before our grace ran out) while the others already
    // fail because of it is the root cause, so it is recorded even when another rank's report came first
    const killedFromOutside = signal !== null && !INTERRUPTS.has(signal) && !this.sentSignals.has(signal as NodeJS.Signals);
    if (this.stopping && !report && !killedFromOutside) return;
    const failure: WorkerFailure = {
      rank: info.rank,
      nodeRank: info.nodeRank,
      pid: info.pid,
      hostname: info.hostname,
      exitCode: code,
      signal,
      message: report ? `${report.name}: ${report.message}` : signal ? `killed by ${signal}` : `exited with code ${code}`,
      time: report?.time ?? Date.now(),
      secondary: SECONDARY_CODES.has(report?.code ?? ''),
      ...(report?.stack ? { stack: report.stack } : {}),
      ...(report?.code ? { code: report.code } : {}),
    };
    if (this.stopping) this.record(failure); // most likely a consequence of the root cause; ordered at the end
    else if (!report && (code === 130 || signal === 'SIGINT')) this.halt('INTERRUPTED', undefined, 'local'); // interrupted, not failed
    else this.stop('FAILED', failure);
  }

  private liveWorkers(): number {
    let n = 0;
    for (const { worker } of this.workers.values()) if (!worker.isDead() && worker.process.exitCode === null && worker.process.signalCode === null) n++;
    return n;
  }

  private async waitUntil(condition: () => boolean): Promise<void> {
    while (!condition()) await settleWithin(new Promise<void>((r) => (this.wake = r)), 200); // woken by events, polled too
  }
}

/** Signals that interrupt a job (a terminal's Ctrl-C, a scheduler's stop) rather than kill one worker. */
const INTERRUPTS = new Set(['SIGINT', 'SIGTERM', 'SIGHUP']);

/** Waits for `promise`, at most `ms` (without leaving a timer behind). */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function isErrorReport(message: unknown): message is WorkerErrorMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'ddp:error';
}

