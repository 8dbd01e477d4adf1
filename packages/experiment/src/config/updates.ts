import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';

/** One `key.path=value` update from the `with` block. */
export interface ConfigUpdate {
  readonly path: readonly string[];
  readonly value: unknown;
  /** The token as given, for messages. */
  readonly token: string;
}

/** True when a `with` token is an update (has `=` after a non-empty key). */
export function isUpdateToken(token: string): boolean {
  return /^[^=]+=/.test(token);
}

/**
 * Parse `key.path=value`. The value is read as a YAML scalar or flow collection (`1e-3`, `true`, `[1, 2]`,
 * `{a: 1}`, `"quoted"`); Python's `None`/`True`/`False` are accepted; anything YAML cannot read stays a plain
 * string, as in Sacred. Nothing is ever evaluated as code.
 * @throws ConfigError `EXP_CONFIG_UPDATE` for an empty key or key segment.
 */
export function parseUpdate(token: string): ConfigUpdate {
  const eq = token.indexOf('=');
  const key = token.slice(0, eq).trim();
  const raw = token.slice(eq + 1).trim();
  const path = key.split('.');
  if (!key || path.some((p) => !p))
    throw new ConfigError('EXP_CONFIG_UPDATE', `'${token}': malformed update; expected key.path=value`);
  return { path, value: parseValue(raw), token };
}

/** Parse the right-hand side of an update (see {@link parseUpdate}). */
export function parseValue(raw: string): unknown {
  if (raw === '') return '';
  if (raw === 'None') return null;
  if (raw === 'True') return true;
  if (raw === 'False') return false;
  try {
    const v: unknown = parseYaml(raw, { schema: 'core', customTags: [] });
    // Block structures (`a: b`, `- x`) are not values on a command line: keep the text.
    if (v !== null && typeof v === 'object' && !/^\s*[[{]/.test(raw)) return raw;
    return v === undefined ? raw : v;
  } catch {
    return raw;
  }
}
