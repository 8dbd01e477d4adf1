// Listing frames and VideoCutLER mask files, and matching `mask_<frame id>.png` to frames.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VisError } from '../errors.js';

/** Frame file extensions accepted in an image folder (case-insensitive). */
export const FRAME_EXTENSIONS = ['.jpg', '.jpeg', '.png'] as const;

/** One frame of a video folder: file name and id (the name without extension). */
export interface FrameFile {
  readonly file: string;
  readonly id: string;
}

/** A `mask_<id>.png` file matched to the index of its frame. */
export interface MatchedMask {
  readonly file: string;
  readonly frameIndex: number;
}

/**
 * Checks that `path` is an existing folder.
 * @throws VisError VIS_CONVERT_FOLDER (exit 2) naming the option and path otherwise.
 */
export async function requireFolder(path: string, option: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new VisError('VIS_CONVERT_FOLDER', `${option} ${path}: no such folder; expected an existing folder`, { exitCode: 2 });
  }
  if (!isDir) throw new VisError('VIS_CONVERT_FOLDER', `${option} ${path}: is a file; expected a folder`, { exitCode: 2 });
}

/** Names of the sub-folders of `root`, sorted (byte order, like Python's `sorted`). */
export async function listSubfolders(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(byteOrder);
}

/** Byte-order comparison (Python's default string sort for ASCII names). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Frames of a video folder, sorted by file name; empty when the folder is missing. */
export async function listFrames(dir: string): Promise<FrameFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => FRAME_EXTENSIONS.some((ext) => n.toLowerCase().endsWith(ext)) && !n.startsWith('.'))
    .sort(byteOrder)
    .map((file) => ({ file, id: file.slice(0, file.lastIndexOf('.')) }));
}

/** `mask_*.png` files of a mask folder, sorted; `undefined` when the folder is missing. */
export async function listMaskFiles(dir: string): Promise<string[] | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  return names.filter((n) => /^mask_.+\.png$/i.test(n)).sort(byteOrder);
}

/** Why a set of mask names cannot be matched to the frames. */
export interface MaskMatchProblem {
  readonly reason: 'mask_id_mismatch' | 'duplicate_mask';
  readonly detail: string;
}

/**
 * Matches `mask_<id>.png` to frames: `<id>` equals a frame id (VideoCutLER's naming: `00000.jpg` ->
 * `mask_00000.png`), or, when both are all digits, has the same integer value (`mask_7.png` -> `00007.jpg`).
 * @returns the matches in frame order, or the first problem (an id with no frame, two masks for one frame).
 */
export function matchMasksToFrames(masks: readonly string[], frames: readonly FrameFile[]): MatchedMask[] | MaskMatchProblem {
  const byId = new Map(frames.map((f, i) => [f.id, i]));
  const byNumber = new Map<number, number>();
  frames.forEach((f, i) => {
    if (/^\d+$/.test(f.id)) byNumber.set(Number(f.id), i);
  });
  const taken = new Map<number, string>();
  const out: MatchedMask[] = [];
  for (const file of masks) {
    const id = file.slice(5, -4);
    let index = byId.get(id);
    if (index === undefined && /^\d+$/.test(id)) index = byNumber.get(Number(id));
    if (index === undefined) {
      const range = frames.length ? `${frames[0]!.id}..${frames[frames.length - 1]!.id}` : 'none';
      return {
        reason: 'mask_id_mismatch',
        detail: `${file}: frame id '${id}' matches no frame; expected mask_<frame id>.png for frames ${range} (${frames.length} frames)`,
      };
    }
    const other = taken.get(index);
    if (other !== undefined)
      return { reason: 'duplicate_mask', detail: `${file} and ${other} both name frame ${frames[index]!.file}; expected one mask per frame` };
    taken.set(index, file);
    out.push({ file, frameIndex: index });
  }
  return out.sort((a, b) => a.frameIndex - b.frameIndex);
}

/** Joins a root, a video folder and a file name. */
export function videoPath(root: string, video: string, file?: string): string {
  return file === undefined ? join(root, video) : join(root, video, file);
}
