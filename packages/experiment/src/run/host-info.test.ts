import { describe, expect, it } from 'vitest';
import { runPython } from '../../../../test/utils/python.js';
import { collectHostInfo, parseNvidiaSmiXml } from './host-info.js';

// nvidia-smi -q -x layout (nvsmi_device_v12.dtd): two GPUs, one of them a MIG instance; bar1 memory must be ignored.
const XML = `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
  <timestamp>Sat Nov 22 01:00:00 2026</timestamp>
  <driver_version>550.54.15</driver_version>
  <cuda_version>12.4</cuda_version>
  <attached_gpus>2</attached_gpus>
  <gpu id="00000000:17:00.0">
    <product_name>NVIDIA H100 80GB HBM3</product_name>
    <persistence_mode>Enabled</persistence_mode>
    <bar1_memory_usage><total>131072 MiB</total><used>1 MiB</used></bar1_memory_usage>
    <fb_memory_usage><total>81559 MiB</total><reserved>551 MiB</reserved><used>4 MiB</used><free>81004 MiB</free></fb_memory_usage>
  </gpu>
  <gpu id="00000000:65:00.0">
    <product_name>NVIDIA A100-SXM4-40GB</product_name>
    <persistence_mode>Disabled</persistence_mode>
    <mig_devices><mig_device><index>0</index><fb_memory_usage><total>9984 MiB</total><used>13 MiB</used></fb_memory_usage></mig_device></mig_devices>
    <fb_memory_usage><total>Insufficient Permissions</total></fb_memory_usage>
  </gpu>
</nvidia_smi_log>`;

describe('host info', () => {
  it('parses nvidia-smi XML exactly as Sacred\'s _gpus does', () => {
    const ref = runPython(
      'import json,sys,subprocess\nfrom sacred import host_info as h\nxml=sys.stdin.read().encode()\nsubprocess.check_output=lambda *a,**k: xml\nprint(json.dumps(h._gpus.getter_function()))',
      { input: XML },
    );
    expect(parseNvidiaSmiXml(XML)).toEqual(JSON.parse(ref));
  });

  it('collects Sacred\'s host keys plus extra getters', async () => {
    const h = await collectHostInfo({ capturedEnv: ['PATH', 'NOT_SET_ANYWHERE'], extra: { tfjs_backend: () => 'cpu', broken: () => { throw new Error('nope'); } } });
    expect(h.os[0]).toBe(process.platform === 'linux' ? 'Linux' : h.os[0]);
    expect(h.node_version).toBe(process.versions.node);
    expect(h.cpu_count).toBeGreaterThan(0);
    expect(Object.keys(h.ENV)).toEqual(['PATH']);
    expect(h.tfjs_backend).toBe('cpu');
    expect(h.broken).toBe('<error: nope>');
  });
});
