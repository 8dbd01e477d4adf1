import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Db, GridFSBucket, type ObjectId } from 'mongodb';

/** What to store in one GridFS file. */
export interface GridFsPut {
  readonly id: ObjectId;
  /** GridFS filename (`artifact://runs/1/model.pt`, or a source file's absolute path). */
  readonly filename: string;
  /** Local file to read, or the content itself. */
  readonly source: { path: string } | { data: Buffer };
  readonly contentType?: string;
  readonly metadata?: Record<string, unknown> | null;
}

/**
 * Store a file in the default GridFS bucket `fs` under a caller-chosen id, exactly once: when a file with
 * that id is already complete it is left alone (a replayed journal event), and chunks of an upload that died
 * half-way are removed first. `contentType` and `md5` are written into the `fs.files` document as Sacred's
 * pymongo 3 did (current drivers no longer do), so Omniboard and Incense can type and deduplicate files.
 * @returns true when it uploaded, false when the file was already there.
 */
export async function putGridFsFileOnce(db: Db, put: GridFsPut): Promise<boolean> {
  const files = db.collection('fs.files');
  if (await files.findOne({ _id: put.id }, { projection: { _id: 1 } })) return false;
  await db.collection('fs.chunks').deleteMany({ files_id: put.id });
  const bucket = new GridFSBucket(db);
  const md5 = createHash('md5');
  const input = 'path' in put.source ? createReadStream(put.source.path) : Readable.from([put.source.data]);
  input.on('data', (chunk: Buffer) => md5.update(chunk));
  const upload = bucket.openUploadStreamWithId(put.id, put.filename, put.metadata ? { metadata: put.metadata } : {});
  await pipeline(input, upload);
  const extra: Record<string, unknown> = { md5: md5.digest('hex') };
  if (put.contentType) extra.contentType = put.contentType;
  await files.updateOne({ _id: put.id }, { $set: extra });
  return true;
}

/** Read a whole GridFS file. */
export async function readGridFsFile(db: Db, id: ObjectId): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of new GridFSBucket(db).openDownloadStream(id)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Delete GridFS files (files docs and chunks); ids that do not exist are ignored. */
export async function deleteGridFsFiles(db: Db, ids: readonly ObjectId[]): Promise<void> {
  if (ids.length === 0) return;
  await db.collection('fs.chunks').deleteMany({ files_id: { $in: [...ids] } });
  await db.collection('fs.files').deleteMany({ _id: { $in: [...ids] } });
}

const CONTENT_TYPES: Record<string, string> = {
  txt: 'text/plain', log: 'text/plain', py: 'text/x-python', ts: 'text/plain', js: 'text/javascript', json: 'application/json',
  yaml: 'application/x-yaml', yml: 'application/x-yaml', csv: 'text/csv', html: 'text/html', md: 'text/markdown',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', pdf: 'application/pdf',
  pt: 'application/octet-stream', pth: 'application/octet-stream', pkl: 'application/octet-stream',
  pickle: 'application/octet-stream', safetensors: 'application/octet-stream', npy: 'application/octet-stream',
  zip: 'application/zip', gz: 'application/gzip', mp4: 'video/mp4',
};

/** Guess a content type from a file name's extension (Sacred guesses from mime.types too). */
export function guessContentType(name: string): string {
  const ext = /\.([^./]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
