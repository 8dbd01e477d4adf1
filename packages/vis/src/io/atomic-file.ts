import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `bytes` to `path` atomically: the data goes to `<path>.<pid>.tmp` first and is then renamed over `path`,
 * so a reader (or a resumed job) never sees a half-written file. Creates the parent folder.
 * @throws the underlying fs error (the temporary file is removed first).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
