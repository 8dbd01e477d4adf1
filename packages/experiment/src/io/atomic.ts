import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

let counter = 0;
const tmpName = (path: string) => `${path}.tmp${process.pid}-${counter++}`;

/**
 * Write a file atomically: write `<path>.tmp<pid>-<n>` then rename over `path`, so a reader (or a `kill -9`
 * at any moment) sees either the old or the new content, never half of it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tmpName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Copy a file atomically (copy to a temporary name next to the target, then rename). Creates parent dirs. */
export async function copyFileAtomic(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = tmpName(dest);
  try {
    await copyFile(src, tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
