/**
 * Loading Detectron2-style YAML configs: `_BASE_` inheritance (fvcore's `load_yaml_with_base`), then the checked
 * merge into the defaults, then a KEY VALUE override list (`merge_from_list`, the pipeline's `d2_opts`).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { SeqFormerError } from '../errors.js';
import { CONFIG_SCHEMA, getDefaultConfig, type SeqFormerConfig } from './defaults.js';
import { mergeList, mergeTree } from './merge.js';
import type { DeepPartial } from './schema.js';

type Tree = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function readYaml(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SeqFormerError('SEQFORMER_CONFIG_FILE', `${file}: cannot read config file; expected a readable YAML file, got ${code ?? 'an error'}`, {
      exitCode: 2,
      cause: e,
    });
  }
  let doc: unknown;
  try {
    // PyYAML reads YAML 1.1 (True/False, yes/no); use the same schema so user files mean the same thing.
    doc = parse(text, { version: '1.1' });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new SeqFormerError('SEQFORMER_CONFIG_YAML', `${file}: invalid YAML; ${msg}`, { exitCode: 2, cause: e });
  }
  if (doc === null || doc === undefined) return {};
  if (!isPlainObject(doc)) {
    throw new SeqFormerError('SEQFORMER_CONFIG_YAML', `${file}: expected a mapping at the top level, got ${Array.isArray(doc) ? 'a list' : typeof doc}`, { exitCode: 2 });
  }
  return doc;
}

function mergeBase(base: Tree, child: Tree, file: string, prefix = ''): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(child)) {
    const b = out[k];
    if (isPlainObject(v) && isPlainObject(b)) out[k] = mergeBase(b, v, file, `${prefix}${k}.`);
    else if (isPlainObject(v) && b !== undefined && b !== null) {
      throw new SeqFormerError('SEQFORMER_CONFIG_YAML', `${file}: '${prefix}${k}' is a mapping but its _BASE_ has a single value there; expected a value`, { exitCode: 2 });
    } else out[k] = v;
  }
  return out;
}

function resolveBasePath(base: string, file: string): string {
  if (base.startsWith('~')) return resolve(homedir(), base.slice(base.startsWith('~/') ? 2 : 1));
  if (isAbsolute(base) || /^https?:\/\//.test(base)) return base;
  return resolve(dirname(file), base);
}

/**
 * Reads a YAML file and its `_BASE_` chain (a string or a list; relative to the file naming it; later bases win,
 * the child wins over its bases; mappings merge recursively, anything else replaces).
 * @throws SeqFormerError for unreadable files, invalid YAML, remote bases and `_BASE_` cycles.
 */
export function loadYamlWithBase(file: string, seen: readonly string[] = []): Tree {
  const abs = resolve(file);
  if (seen.includes(abs)) {
    throw new SeqFormerError('SEQFORMER_CONFIG_BASE', `${file}: _BASE_ cycle (${[...seen, abs].join(' -> ')}); expected an acyclic chain`, { exitCode: 2 });
  }
  const tree = readYaml(file);
  const baseField = tree._BASE_;
  delete tree._BASE_;
  if (baseField === undefined || baseField === null) return tree;
  const bases = Array.isArray(baseField) ? baseField : [baseField];
  let merged: Tree = {};
  for (const b of bases) {
    if (typeof b !== 'string') throw new SeqFormerError('SEQFORMER_CONFIG_BASE', `${file}: _BASE_ must be a path or a list of paths; got ${JSON.stringify(b)}`, { exitCode: 2 });
    const path = resolveBasePath(b, abs);
    if (/^https?:\/\//.test(path)) {
      throw new SeqFormerError('SEQFORMER_CONFIG_BASE', `${file}: _BASE_ '${b}' is a URL; expected a local file`, { exitCode: 2, hint: 'download the base config and point _BASE_ at the local copy' });
    }
    merged = mergeBase(merged, loadYamlWithBase(path, [...seen, abs]), path);
  }
  return mergeBase(merged, tree, file);
}

/**
 * Merges a YAML file (with its `_BASE_` chain) into `cfg` in place (`CfgNode.merge_from_file`).
 * @throws SeqFormerError `SEQFORMER_CONFIG_*` (exit code 2) for unknown keys, wrong types and unreadable files.
 */
export function mergeFromFile(cfg: SeqFormerConfig, file: string): SeqFormerConfig {
  mergeTree(CONFIG_SCHEMA, cfg as unknown as Tree, loadYamlWithBase(file), file);
  return cfg;
}

/**
 * Applies a KEY VALUE list (`CfgNode.merge_from_list`, the pipeline's `d2_opts`) to `cfg` in place.
 * @example mergeFromList(cfg, ['MODEL.SeqFormer.NUM_CLASSES', 1, 'MODEL.WEIGHTS', ''])
 */
export function mergeFromList(cfg: SeqFormerConfig, opts: readonly unknown[], source = 'd2_opts'): SeqFormerConfig {
  mergeList(CONFIG_SCHEMA, cfg as unknown as Tree, opts, source);
  return cfg;
}

/**
 * Loads a config: the defaults, then `file` (if given) with its `_BASE_` chain, then the KEY VALUE overrides.
 * @param file YAML path, e.g. `configs/seqformer/base_ytvis.yaml`; undefined for the defaults only.
 * @param opts `[KEY, VALUE, ...]`, values as strings (decoded as Python literals) or typed values.
 * @returns a new, fully populated config tree.
 * @throws SeqFormerError with exit code 2 naming the file (or `d2_opts`) and the key for any bad input.
 * @example const cfg = loadConfig('configs/seqformer/base_ytvis.yaml', ['MODEL.SeqFormer.NUM_CLASSES', '1']);
 */
export function loadConfig(file?: string, opts: readonly unknown[] = []): SeqFormerConfig {
  const cfg = getDefaultConfig();
  if (file !== undefined) mergeFromFile(cfg, file);
  return mergeFromList(cfg, opts);
}

/**
 * Completes a partial config object over the defaults, with the same key and type checks as a YAML file.
 * A full tree (e.g. from `loadConfig`) passes through unchanged in value.
 * @throws SeqFormerError for unknown keys or wrong types.
 */
export function resolveConfig(partial: DeepPartial<SeqFormerConfig> | SeqFormerConfig = {}, source = 'config'): SeqFormerConfig {
  const cfg = getDefaultConfig();
  mergeTree(CONFIG_SCHEMA, cfg as unknown as Tree, partial as unknown as Tree, source);
  return cfg;
}

/** Serialises a config tree as YAML (what Detectron2 writes to `OUTPUT_DIR/config.yaml`); loads back identically. */
export function dumpConfig(cfg: SeqFormerConfig): string {
  return stringify(cfg, { version: '1.1' });
}
