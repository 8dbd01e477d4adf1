import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { planLaunch } from './launch.js';
import { parseCudaVisibleDevices, parseNvidiaSmiList } from './launcher/devices.js';

const noSmi = (): undefined => undefined;

describe('planLaunch', () => {
  it('reads the SeqFormer launch variables: global ranks of this node, world size, master address and port', () => {
    const plan = planLaunch({ device: 'cpu' }, { NNODES: '2', NODE_RANK: '1', GPUS_PER_NODE: '4', MASTER_ADDR: '10.0.0.1' }, noSmi);
    expect(plan).toMatchObject({ nnodes: 2, nodeRank: 1, nprocPerNode: 4, worldSize: 8, masterAddr: '10.0.0.1', masterPort: 29500, deviceKind: 'cpu', seed: undefined });
    expect(plan.workers.map((w) => [w.rank, w.localRank, w.device, w.cudaVisibleDevices])).toEqual([
      [4, 0, 'cpu', ''],
      [5, 1, 'cpu', ''],
      [6, 2, 'cpu', ''],
      [7, 3, 'cpu', ''],
    ]);
  });

  it('starts one worker per GPU that nvidia-smi lists, each with only its own device', () => {
    const smi = 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0f1e2d3c-aaaa-bbbb-cccc-000000000000)\nGPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-0f1e2d3c-aaaa-bbbb-cccc-000000000001)\n';
    const plan = planLaunch({ seed: 3 }, {}, () => smi);
    expect(plan.deviceKind).toBe('cuda');
    expect(plan.workers.map((w) => [w.rank, w.device, w.cudaVisibleDevices])).toEqual([
      [0, 'cuda:0', '0'],
      [1, 'cuda:1', '1'],
    ]);
    expect(plan.masterPort).toBe(0); // one node: any free port
  });

  it('falls back to one CPU worker per core without GPUs (empty CUDA_VISIBLE_DEVICES hides them all)', () => {
    const plan = planLaunch({}, { CUDA_VISIBLE_DEVICES: '' }, () => 'GPU 0: would be ignored\n');
    expect(plan.deviceKind).toBe('cpu');
    expect(plan.nprocPerNode).toBe(availableParallelism());
  });

  it('rejects bad topology with one-line errors naming the variable or flag', () => {
    expect(() => planLaunch({}, { NNODES: '2', NODE_RANK: '2' }, noSmi)).toThrow("NODE_RANK: is not a valid integer; expected an integer in [0, 1], got '2'");
    expect(() => planLaunch({ device: 'gpu' }, { CUDA_VISIBLE_DEVICES: '' }, noSmi)).toThrow("--device: gpu requested but no GPU is visible");
    expect(() => planLaunch({ nnodes: 2, masterPort: 0 }, {}, noSmi)).toThrow('--master-port: must be fixed for several nodes; expected a port in [1, 65535], got 0');
    expect(() => planLaunch({}, { GPUS_PER_NODE: 'four' }, noSmi)).toThrow("GPUS_PER_NODE: is not a valid integer; expected an integer in [1, 4096], got 'four'");
  });
});

describe('device lists', () => {
  it('parses CUDA_VISIBLE_DEVICES as CUDA does: indices and UUIDs, stopping at the first invalid entry', () => {
    expect(parseCudaVisibleDevices('2, 0')).toEqual(['2', '0']);
    expect(parseCudaVisibleDevices('0,-1,2')).toEqual(['0']);
    expect(parseCudaVisibleDevices('GPU-5d3f,MIG-1a2b-3c')).toEqual(['GPU-5d3f', 'MIG-1a2b-3c']);
    expect(parseCudaVisibleDevices('')).toEqual([]);
  });

  it('parses nvidia-smi -L listings, MIG lines included only through their parent GPU', () => {
    const text = 'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-aaaa)\n  MIG 3g.20gb     Device  0: (UUID: MIG-bbbb)\nGPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-cccc)\n';
    expect(parseNvidiaSmiList(text)).toEqual(['0', '1']);
  });
});
