/** Reading a results file straight into the compact {@link ResultStore} the evaluator works on. */
import { stat } from 'node:fs/promises';
import { forEachJsonArrayElement } from '../ytvis/json-array-stream.js';
import { parseJson, readJsonText } from '../ytvis/read.js';
import { failNotResultsList } from '../ytvis/validate.js';
import { ResultStore } from './track-table.js';

/**
 * Read and validate a YouTube-VIS results file into a {@link ResultStore}: streamed element by element, with the RLE
 * strings kept as bytes, so files of any size (beyond Node's ~512 MiB string limit) are read with little memory.
 * Error messages are those of `readYtvisResults`.
 * @throws VisError (exitCode 2) when the file is missing, not JSON, not a list, or an entry is invalid
 */
export async function readResultStore(path: string): Promise<ResultStore> {
  const info = await stat(path).catch(() => null);
  if (!info || !info.isFile()) {
    await readJsonText(path); // throws the one-line "file not found" / "is a folder" / "cannot read" error
  }
  const size = info?.size ?? 0;
  const store = new ResultStore(size);
  try {
    await forEachJsonArrayElement(path, (r, i) => store.addResult(r, i, path));
  } catch (err) {
    if ((err as { code?: string }).code !== 'VIS_JSON_NOT_ARRAY') throw err;
    failNotResultsList(parseJson(await readJsonText(path), path), path);
  }
  return store;
}
