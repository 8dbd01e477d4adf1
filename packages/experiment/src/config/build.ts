import { randomInt } from 'node:crypto';
import { ConfigError } from '../errors.js';
import type { ConfigObject } from '../types.js';
import { deepClone, deepMerge, getPath, hasPath, isPlainObject, jsonEqual, jsonType, leafPaths, nestUpdates, setPath } from './tree.js';
import type { ConfigUpdate } from './updates.js';

/** One config source applied between the defaults and the `key=value` updates, in command-line order. */
export interface ConfigLayer {
  /** `configs/x.yaml` or `named config 'fast'`: shown in messages. */
  readonly label: string;
  readonly kind: 'file' | 'named';
  /** The token as given in the `with` block. */
  readonly token: string;
  readonly data: Record<string, unknown>;
}

/** Sacred's change summary, by dotted path. */
export interface ConfigSummary {
  readonly added: ReadonlySet<string>;
  readonly modified: ReadonlySet<string>;
  readonly typechanged: ReadonlyMap<string, readonly [string, string]>;
}

/** The final config and how it came about. */
export interface BuiltConfig {
  readonly config: ConfigObject;
  readonly summary: ConfigSummary;
  /** Where each leaf path was last set (`configs/x.yaml`, `named config 'fast'`, `with lr=0.1`); absent: defaults. */
  readonly origins: ReadonlyMap<string, string>;
  /** The `with` updates as a nested object (Sacred's `meta.config_updates`). */
  readonly configUpdates: ConfigObject;
  /** True when the seed was drawn at random (not given anywhere). */
  readonly seedGenerated: boolean;
}

/** Sacred's SEEDRANGE: root seeds are drawn from [1, 1e9]. */
export const SEED_MAX = 1_000_000_000;

/**
 * Assemble a config with Sacred's precedence (reference notes 4.2): defaults < layers (named configs and files,
 * in the order given) < `key=value` updates, which always win; then the config hook's derived values (updates
 * re-applied on top); then a random root `seed` in [1, 1e9] when none was given.
 * @throws ConfigError `EXP_CONFIG_SEED` when `seed` is not a non-negative integer.
 */
export function buildConfig(input: {
  defaults: ConfigObject;
  layers: readonly ConfigLayer[];
  updates: readonly ConfigUpdate[];
  configHook?: (config: ConfigObject) => unknown;
  /** Seed to use when none is configured (tests); default: random. */
  randomSeed?: () => number;
}): BuiltConfig {
  const config = deepClone(input.defaults) as Record<string, unknown>;
  const origins = new Map<string, string>();
  for (const layer of input.layers) deepMerge(config, layer.data, (p) => origins.set(p.join('.'), layer.label));
  const applyUpdates = (record: boolean) => {
    for (const u of input.updates) {
      setPath(config, u.path, deepClone(u.value));
      if (record) {
        const key = u.path.join('.');
        for (const k of [...origins.keys()]) if (k.startsWith(`${key}.`)) origins.delete(k);
        origins.set(key, `with ${u.token}`);
      }
    }
  };
  applyUpdates(true);
  if (input.configHook) {
    const derived = input.configHook(deepClone(config) as ConfigObject);
    if (isPlainObject(derived)) deepMerge(config, derived);
    applyUpdates(false);
  }
  let seedGenerated = false;
  if (config.seed === undefined || config.seed === null) {
    config.seed = input.randomSeed ? input.randomSeed() : randomInt(1, SEED_MAX + 1);
    seedGenerated = true;
  } else if (typeof config.seed !== 'number' || !Number.isSafeInteger(config.seed) || config.seed < 0) {
    throw new ConfigError('EXP_CONFIG_SEED', `${origins.get('seed') ?? 'config'}: config key 'seed' must be a non-negative integer; got ${JSON.stringify(config.seed)}`);
  }
  return {
    config: config as ConfigObject,
    summary: summarize(input.defaults, config, seedGenerated),
    origins,
    configUpdates: nestUpdates(input.updates),
    seedGenerated,
  };
}

function sameKind(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return true;
  const ta = jsonType(a) === 'integer' ? 'number' : jsonType(a);
  const tb = jsonType(b) === 'integer' ? 'number' : jsonType(b);
  return ta === tb;
}

/** Compare the final config with the defaults: added, modified (with parents), typechanged leaves. */
export function summarize(defaults: ConfigObject, config: Record<string, unknown>, seedGenerated: boolean): ConfigSummary {
  const added = new Set<string>();
  const modified = new Set<string>();
  const typechanged = new Map<string, readonly [string, string]>();
  const markParents = (path: string[]) => {
    for (let i = 1; i < path.length; i++) modified.add(path.slice(0, i).join('.'));
  };
  for (const path of leafPaths(config)) {
    const key = path.join('.');
    const value = getPath(config, path);
    if (key === 'seed' && !hasPath(defaults, path)) {
      if (!seedGenerated) modified.add(key);
      continue;
    }
    if (!hasPath(defaults, path)) {
      added.add(key);
      markParents(path);
      continue;
    }
    const old = getPath(defaults, path);
    if (!jsonEqual(old, value)) {
      if (!sameKind(old, value)) typechanged.set(key, [jsonType(old), jsonType(value)]);
      else modified.add(key);
      markParents(path);
    }
  }
  return { added, modified, typechanged };
}
