/**
 * Read a JSON file whose top level is an array, element by element, without ever holding the file in one string: a
 * results file of an LV-VIS-sized run (hundreds of MB to GB) is beyond Node's maximum string length (~512 MiB).
 * The byte scanner only tracks strings, nesting and separators; each element is handed to `JSON.parse` on its own.
 */
import { open } from 'node:fs/promises';
import { VisError } from '../errors.js';

const QUOTE = 0x22, BACKSLASH = 0x5c, LBRACKET = 0x5b, RBRACKET = 0x5d, LBRACE = 0x7b, RBRACE = 0x7d, COMMA = 0x2c;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function bad(file: string, what: string): VisError {
  return new VisError('VIS_JSON_INVALID', `${file}: not valid JSON (${what})`, { exitCode: 2 });
}

function parseElement(text: string, file: string, index: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw bad(file, `element [${index}]: ${(err as Error).message}`);
  }
}

/**
 * Parse a top-level JSON array from a file in chunks.
 * @param chunkBytes read size (default 16 MiB)
 * @throws VisError `VIS_JSON_NOT_ARRAY` (exitCode 2) when the top level is another JSON value; `VIS_JSON_INVALID`
 *   when the JSON is malformed (naming the element or byte offset)
 */
export async function readJsonArrayFile(path: string, chunkBytes = 16 << 20): Promise<unknown[]> {
  const out: unknown[] = [];
  await forEachJsonArrayElement(path, (v) => { out.push(v); }, chunkBytes);
  return out;
}

/**
 * Call `onElement(value, index)` for each element of a file's top-level JSON array, in order, reading in chunks and
 * keeping nothing else in memory. Errors are those of {@link readJsonArrayFile}, plus whatever `onElement` throws.
 * @returns the number of elements
 */
export async function forEachJsonArrayElement(path: string, onElement: (value: unknown, index: number) => void, chunkBytes = 16 << 20): Promise<number> {
  const fh = await open(path, 'r');
  let count = 0;
  const out = { push: (v: unknown): void => { onElement(v, count++); }, get length(): number { return count; } };
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let carry: Buffer = Buffer.alloc(0); // bytes of the element still being read
    let fileOffset = 0; // file offset of buf[0]
    let started = false, ended = false, needComma = false;
    let depth = 0, inString = false;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      const buf: Buffer = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let elemStart = carry.length ? 0 : -1;
      let i = carry.length;
      const n = buf.length;
      while (i < n) {
        if (inString) {
          const q = buf.indexOf(QUOTE, i);
          if (q < 0) { i = n; break; }
          let b = q - 1, slashes = 0;
          while (b >= 0 && buf[b] === BACKSLASH) { slashes++; b--; }
          i = q + 1;
          if (slashes % 2 === 0) inString = false;
          continue;
        }
        const c = buf[i]!;
        if (isSpace(c)) { i++; continue; }
        if (!started) {
          if (c !== LBRACKET) throw new VisError('VIS_JSON_NOT_ARRAY', `${path}: top level is not a JSON array`, { exitCode: 2 });
          started = true; i++; continue;
        }
        if (ended) throw bad(path, `unexpected data after the closing ']' at byte ${fileOffset + i}`);
        if (elemStart < 0) {
          if (c === COMMA) {
            if (!needComma) throw bad(path, `unexpected ',' at byte ${fileOffset + i}`);
            needComma = false; i++; continue;
          }
          if (c === RBRACKET) {
            if (!needComma && out.length > 0) throw bad(path, `trailing ',' before byte ${fileOffset + i}`);
            ended = true; i++; continue;
          }
          if (needComma) throw bad(path, `missing ',' between elements at byte ${fileOffset + i}`);
          elemStart = i; depth = 0;
        }
        if (c === QUOTE) inString = true;
        else if (c === LBRACE || c === LBRACKET) depth++;
        else if (c === RBRACE || c === RBRACKET) {
          if (depth === 0) { // a scalar element followed by the array's closing bracket
            if (c !== RBRACKET) throw bad(path, `unexpected '}' at byte ${fileOffset + i}`);
            out.push(parseElement(buf.toString('utf8', elemStart, i), path, out.length));
            elemStart = -1; ended = true; i++; continue;
          }
          if (--depth === 0) {
            out.push(parseElement(buf.toString('utf8', elemStart, i + 1), path, out.length));
            elemStart = -1; needComma = true;
          }
        } else if (c === COMMA && depth === 0) { // end of a scalar element
          out.push(parseElement(buf.toString('utf8', elemStart, i), path, out.length));
          elemStart = -1; needComma = false;
        }
        i++;
      }
      if (elemStart >= 0) {
        carry = Buffer.from(buf.subarray(elemStart));
        fileOffset += elemStart;
      } else {
        carry = Buffer.alloc(0);
        fileOffset += n;
      }
    }
    if (!started) throw bad(path, 'no JSON value in the file');
    if (!ended) throw bad(path, 'the file ends inside the top-level array');
    return count;
  } finally {
    await fh.close();
  }
}
