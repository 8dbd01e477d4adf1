/**
 * `@wsovvis/experiment/worker`: what a launcher's worker script needs (see the package README, "Distributed runs").
 */
export { runWorker } from '../run/worker.js';
export type { WorkerSpec, WorkerChannel, WorkerEvent, ControlMessage, WorkerRank } from '../run/distributed.js';
