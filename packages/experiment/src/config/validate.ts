import AjvModule, { type ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';
import type { JsonSchema } from '../experiment/define.js';
import type { ConfigObject } from '../types.js';
import { schemaAllowsPath, schemaPaths } from './schema.js';
import { didYouMean } from './suggest.js';
import { hasPath, isPlainObject, jsonType, leafPaths, showValue } from './tree.js';

const Ajv = AjvModule.default ?? (AjvModule as unknown as typeof AjvModule.default);

/** Paths the config may not carry even with a schema that allows anything. */
const ALWAYS_ALLOWED = new Set(['seed']);

function originOf(origins: ReadonlyMap<string, string>, path: string): string {
  let p = path;
  for (;;) {
    const o = origins.get(p);
    if (o) return o;
    const i = p.lastIndexOf('.');
    if (i < 0) return 'config';
    p = p.slice(0, i);
  }
}

/** First origin recorded under `path` (for an unknown subtree). */
function originUnder(origins: ReadonlyMap<string, string>, path: string): string {
  for (const [k, v] of origins) if (k === path || k.startsWith(`${path}.`)) return v;
  return originOf(origins, path);
}

/**
 * Reject keys that neither the defaults nor the schema know, with a did-you-mean. With `force` they are
 * reported through `warn` instead (Sacred's `-f`).
 * @throws ConfigError `EXP_CONFIG_UNKNOWN_KEY` (exit 2), naming the file or update that set the key.
 */
export function checkUnknownKeys(config: ConfigObject, defaults: ConfigObject, schema: JsonSchema, origins: ReadonlyMap<string, string>, options: { force?: boolean; warn?: (m: string) => void } = {}): void {
  const known = new Set([...schemaPaths(schema), ...leafPaths(defaults).flatMap((p) => p.map((_, i) => p.slice(0, i + 1).join('.')))]);
  for (const path of leafPaths(config)) {
    if (ALWAYS_ALLOWED.has(path[0]!) && path.length === 1) continue;
    // Find the shortest unknown prefix: that is the key the user got wrong.
    let bad: string[] | undefined;
    for (let i = 1; i <= path.length; i++) {
      const p = path.slice(0, i);
      if (!hasPath(defaults, p) && !schemaAllowsPath(schema, p)) {
        bad = p;
        break;
      }
      if (!hasPath(defaults, p)) break; // allowed by the schema from here down
    }
    if (!bad) continue;
    // Name the whole key as given; suggest the closest known full path (else the closest known prefix).
    const key = path.join('.');
    const suggestion = didYouMean(key, known) ?? (bad.length < path.length ? didYouMean(bad.join('.'), known) : undefined);
    const message = `${originUnder(origins, key)}: unknown config key '${key}'${suggestion ? `; did you mean '${suggestion}'?` : ''}`;
    if (options.force) {
      options.warn?.(`${message} (kept because of --force)`);
      continue;
    }
    throw new ConfigError('EXP_CONFIG_UNKNOWN_KEY', message, { hint: "run 'exp print_config EXPERIMENT' to list the valid keys, or pass -f to keep it" });
  }
}

function expected(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type': return String(p.type);
    case 'enum': return `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const': return JSON.stringify(p.allowedValue);
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `a number ${String(p.comparison)} ${String(p.limit)}`;
    case 'required': return `key '${String(p.missingProperty)}' to be set`;
    default: return e.message ?? e.keyword;
  }
}

/**
 * Validate the final config with ajv.
 * @throws ConfigError `EXP_CONFIG_TYPE` (exit 2): `<origin>: config key 'a.b' has the wrong type; expected X, got Y`.
 */
export function validateConfig(config: ConfigObject, schema: JsonSchema, origins: ReadonlyMap<string, string>, options: { force?: boolean } = {}): void {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (e) {
    throw new ConfigError('EXP_CONFIG_SCHEMA', `experiment schema is not valid JSON Schema: ${(e as Error).message}`);
  }
  // The root seed is the framework's: validate it only when the experiment's schema declares it.
  const declaresSeed = isPlainObject(schema.properties) && 'seed' in schema.properties;
  const subject = declaresSeed ? config : Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'seed'));
  if (validate(subject)) return;
  const errors = (validate.errors ?? []).filter((e) => !(options.force && e.keyword === 'additionalProperties'));
  if (!errors.length) return;
  // Prefer the most specific error (deepest path), type errors first.
  errors.sort((a, b) => b.instancePath.length - a.instancePath.length || Number(b.keyword === 'type') - Number(a.keyword === 'type'));
  const e = errors[0]!;
  const segs = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') segs.push(String((e.params as { additionalProperty: string }).additionalProperty));
  const key = segs.join('.') || '(root)';
  let value: unknown = config;
  for (const s of segs) value = isPlainObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[s] : undefined;
  const what = e.keyword === 'type' ? 'has the wrong type' : e.keyword === 'additionalProperties' ? 'is not allowed' : 'is invalid';
  const got = e.keyword === 'required' ? 'nothing' : `${showValue(value)}${e.keyword === 'type' ? ` (${jsonType(value)})` : ''}`;
  throw new ConfigError('EXP_CONFIG_TYPE', `${originOf(origins, key)}: config key '${key}' ${what}; expected ${expected(e)}, got ${got}`);
}
