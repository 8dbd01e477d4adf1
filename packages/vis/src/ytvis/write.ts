/** Writing YouTube-VIS JSON atomically, streamed so that big results files never need one giant string. */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { YtvisDataset, YtvisResult } from './types.js';

const FLUSH_AT = 1 << 20;

/**
 * Write a YouTube-VIS annotation object or results list as compact JSON, atomically: the text goes to
 * `<path>.<pid>.tmp` and is renamed over `path` only when complete, so no reader ever sees half a file. Arrays at the
 * top level and one level down (`videos`, `annotations`, the results list) are streamed element by element.
 * Creates the parent folder.
 * @throws the underlying fs error (the temporary file is removed first)
 */
export async function writeYtvisJson(path: string, data: YtvisDataset | readonly YtvisResult[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  let buf = '';
  const put = async (s: string): Promise<void> => {
    buf += s;
    if (buf.length >= FLUSH_AT) { await fh.write(buf); buf = ''; }
  };
  const putArray = async (arr: readonly unknown[]): Promise<void> => {
    await put('[');
    for (let i = 0; i < arr.length; i++) await put((i ? ',' : '') + (JSON.stringify(arr[i]) ?? 'null'));
    await put(']');
  };
  try {
    if (Array.isArray(data)) await putArray(data);
    else {
      await put('{');
      let first = true;
      for (const [k, v] of Object.entries(data)) {
        if (v === undefined) continue;
        await put(`${first ? '' : ','}${JSON.stringify(k)}:`);
        first = false;
        if (Array.isArray(v)) await putArray(v);
        else await put(JSON.stringify(v));
      }
      await put('}');
    }
    if (buf) await fh.write(buf);
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}
