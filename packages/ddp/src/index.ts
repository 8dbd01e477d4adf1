/**
 * @wsovvis/ddp: distributed data parallel on Node built-ins (plus an optional C addon that maps shared memory). A
 * launcher (node:cluster, one worker per device, multi-node through a rendezvous store), a process group with
 * collectives through shared memory on one host and ring collectives over unix sockets or TCP, gradient buckets
 * with a noSync scope, and PyTorch-compatible samplers.
 */
export { DdpError, DdpConfigError, CollectiveTimeoutError } from './errors.js';
export type { ReduceOp, TypedArray, Float32Adapter, GradientReducer } from './types.js';

// worker side
export { ENV, readWorkerEnv, isDistributedWorker, type WorkerEnv } from './env.js';
export { ProcessGroup, type ProcessGroupStats } from './process-group.js';
export { initProcessGroup, destroyAllProcessGroups, DEFAULT_TIMEOUT_MS, DEFAULT_SEGMENT_BYTES, type ProcessGroupOptions } from './init-process-group.js';
export { sendToLauncher, onLauncherMessage, hasLauncherChannel, type WorkerErrorMessage } from './worker.js';
export { DistributedSampler, TrainingSampler, inferenceShard, type DistributedSamplerOptions, type TrainingSamplerOptions } from './sampler.js';
export { Mt19937, randperm, deriveRankSeed } from './random.js';

// launcher side
export { planLaunch, type LaunchPlan, type LaunchTopologyOptions, type PlannedWorker, type DeviceKind } from './launch.js';
export { launch, DistributedJob, type LaunchOptions, type LaunchResult, type JobStatus, type WorkerInfo } from './launcher/supervisor.js';
export { describeFailure, orderFailures, type WorkerFailure } from './launcher/failures.js';
export { detectGpus, parseCudaVisibleDevices, parseNvidiaSmiList } from './launcher/devices.js';
export { prefixedConsoleSink, type OutputLine, type OutputSink } from './launcher/output.js';
export { listProcesses, descendantsOf, type ProcessEntry } from './launcher/process-tree.js';

// transports (extension point)
export { TRANSPORTS, TransportRegistry, type BuiltInTransportName } from './transports/registry.js';
export type { Transport, TransportContext, TransportFactory, TransportStats, CollectiveCall } from './transports/transport.js';
export { RendezvousServer } from './rendezvous/store-server.js';
export { StoreClient } from './rendezvous/store-client.js';
export { chunkBounds } from './collectives/ring.js';
export { GradientSync, assignBuckets, DEFAULT_BUCKET_CAP_BYTES, type GradientCollectives, type GradientSyncOptions, type GradientSyncStats } from './bucket.js';
