import { readFileSync } from 'node:fs';
import { dirname, extname, relative, resolve } from 'node:path';
import { YAMLParseError, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { JsonSyntaxError, parseTolerantJson } from '../json/tolerant-parse.js';
import { deepMerge, isPlainObject } from './tree.js';

/** Extensions read as config files. */
export const CONFIG_EXTENSIONS: ReadonlySet<string> = new Set(['.yaml', '.yml', '.json']);

/** True when a `with` token names a config file by its extension. */
export function looksLikeConfigFile(token: string): boolean {
  return CONFIG_EXTENSIONS.has(extname(token).toLowerCase());
}

/** Path as shown in messages: relative to cwd when inside it. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const r = relative(cwd, path);
  return r && !r.startsWith('..') ? r : path;
}

/**
 * Parse YAML or JSON text to a config object.
 * @throws ConfigError `EXP_CONFIG_SYNTAX` (`file:line:col: malformed YAML: ...`) or `EXP_CONFIG_NOT_OBJECT`.
 */
export function parseConfigText(text: string, shownPath: string, format: 'yaml' | 'json'): Record<string, unknown> {
  let data: unknown;
  if (format === 'json') {
    try {
      data = parseTolerantJson(text);
    } catch (e) {
      const pos = e instanceof JsonSyntaxError ? `:${e.line}:${e.column}` : '';
      throw new ConfigError('EXP_CONFIG_SYNTAX', `${shownPath}${pos}: malformed JSON: ${(e as Error).message.replace(/ at line \d+ column \d+$/, '')}`);
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) {
      const [line, col] = err instanceof YAMLParseError && err.linePos ? [err.linePos[0].line, err.linePos[0].col] : [0, 0];
      const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');
      throw new ConfigError('EXP_CONFIG_SYNTAX', `${shownPath}:${line}:${col}: malformed YAML: ${reason}`);
    }
    data = doc.toJS({ maxAliasCount: 1000 });
  }
  if (data === null || data === undefined) return {};
  if (!isPlainObject(data))
    throw new ConfigError('EXP_CONFIG_NOT_OBJECT', `${shownPath}: a config file must hold a mapping at the top level; got ${Array.isArray(data) ? 'a list' : typeof data}`);
  return data;
}

/**
 * Load a YAML/JSON config file. A top-level `_BASE_` (path relative to the file, or a list of them) is loaded
 * first and the file's own keys are merged on top (detectron2's inheritance).
 * @throws ConfigError `EXP_CONFIG_FILE_NOT_FOUND`, `EXP_CONFIG_SYNTAX`, `EXP_CONFIG_BASE_CYCLE`.
 */
export function loadConfigFile(path: string, cwd = process.cwd(), chain: readonly string[] = []): Record<string, unknown> {
  const abs = resolve(cwd, path);
  const shown = displayPath(abs, cwd);
  if (chain.includes(abs)) throw new ConfigError('EXP_CONFIG_BASE_CYCLE', `${shown}: _BASE_ cycle (${[...chain, abs].map((p) => displayPath(p, cwd)).join(' -> ')})`);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const via = chain.length ? ` (the _BASE_ of ${displayPath(chain[chain.length - 1]!, cwd)})` : '';
    throw new ConfigError('EXP_CONFIG_FILE_NOT_FOUND', `${shown}: config file ${code === 'EISDIR' ? 'is a directory' : 'not found'}${via}`, {
      hint: 'give an existing .yaml/.yml/.json file after `with`',
    });
  }
  const ext = extname(abs).toLowerCase();
  const data = parseConfigText(text, shown, ext === '.json' ? 'json' : 'yaml');
  const base = data._BASE_;
  delete data._BASE_;
  if (base === undefined) return data;
  const bases = Array.isArray(base) ? base : [base];
  const merged: Record<string, unknown> = {};
  for (const b of bases) {
    if (typeof b !== 'string') throw new ConfigError('EXP_CONFIG_TYPE', `${shown}: _BASE_ must be a path or a list of paths; got ${JSON.stringify(b)}`);
    deepMerge(merged, loadConfigFile(resolve(dirname(abs), b), cwd, [...chain, abs]));
  }
  deepMerge(merged, data);
  return merged;
}
