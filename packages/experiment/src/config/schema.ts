import type { JsonSchema } from '../experiment/define.js';
import type { ConfigObject } from '../types.js';
import { isPlainObject } from './tree.js';

/** Doc of the root seed, as Sacred prints it. */
export const SEED_DOC = 'the random seed for this experiment';

/**
 * Derive a JSON Schema from default values: numbers are `number`, strings `string`, booleans `boolean`, arrays
 * `array`, null leaves accept anything; non-empty objects list their keys and reject unknown ones, empty objects
 * are free-form maps. Each leaf carries its `default` (editors show it).
 */
export function schemaFromDefaults(defaults: unknown): JsonSchema {
  if (defaults === null) return {};
  if (Array.isArray(defaults)) return { type: 'array', default: defaults };
  if (isPlainObject(defaults)) {
    const keys = Object.keys(defaults);
    if (!keys.length) return { type: 'object' };
    return {
      type: 'object',
      properties: Object.fromEntries(keys.map((k) => [k, schemaFromDefaults(defaults[k])])),
      additionalProperties: false,
    };
  }
  const t = typeof defaults === 'number' ? 'number' : typeof defaults;
  return { type: t, default: defaults };
}

/** The schema an experiment's config is validated against: its own, or one derived from its defaults. */
export function effectiveSchema(schema: JsonSchema | undefined, defaults: ConfigObject): JsonSchema {
  return schema ?? schemaFromDefaults(defaults);
}

/**
 * The schema `exp schema EXPERIMENT` prints for editors (YAML language servers): the config schema plus the
 * keys every config file may carry (`experiment`, `seed`, `_BASE_`), with `$schema` and a title.
 */
export function editorSchema(name: string, schema: JsonSchema): JsonSchema {
  const props = isPlainObject(schema.properties) ? schema.properties : {};
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `${name} config`,
    ...schema,
    type: 'object',
    properties: {
      experiment: { type: 'string', const: name, description: 'experiment this config file is for (exp run with FILE)' },
      seed: { type: 'integer', minimum: 0, description: SEED_DOC },
      _BASE_: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'config file(s) this one extends, relative to it' },
      ...props,
    },
  };
}

function resolveRef(root: JsonSchema, node: JsonSchema): JsonSchema {
  let cur = node;
  for (let i = 0; i < 20 && typeof cur.$ref === 'string' && cur.$ref.startsWith('#/'); i++) {
    let target: unknown = root;
    for (const seg of cur.$ref.slice(2).split('/')) target = isPlainObject(target) ? target[decodeURIComponent(seg.replace(/~1/g, '/').replace(/~0/g, '~'))] : undefined;
    if (!isPlainObject(target)) break;
    cur = target;
  }
  return cur;
}

/**
 * May `path` exist in a config valid for `schema`? Follows `properties`, `patternProperties`,
 * `additionalProperties`, local `$ref`s and `allOf`/`anyOf`/`oneOf` (any branch allowing it is enough).
 */
export function schemaAllowsPath(root: JsonSchema, path: readonly string[], node: JsonSchema = root): boolean {
  if (!path.length) return true;
  const n = resolveRef(root, node);
  const branches = ['allOf', 'anyOf', 'oneOf'].flatMap((k) => (Array.isArray(n[k]) ? (n[k] as JsonSchema[]) : []));
  if (branches.length && branches.some((b) => isPlainObject(b) && schemaAllowsPath(root, path, b))) return true;
  const [key, ...rest] = path as [string, ...string[]];
  const props = isPlainObject(n.properties) ? n.properties : undefined;
  if (props && key in props) return schemaAllowsPath(root, rest, props[key] as JsonSchema);
  if (isPlainObject(n.patternProperties))
    for (const [re, sub] of Object.entries(n.patternProperties)) if (new RegExp(re, 'u').test(key)) return schemaAllowsPath(root, rest, sub as JsonSchema);
  if (n.additionalProperties === false) return false;
  if (isPlainObject(n.additionalProperties)) return schemaAllowsPath(root, rest, n.additionalProperties);
  // Only branches constrained the node and none allowed the key.
  if (branches.length && !props) return false;
  return true;
}

/** Every dotted path the schema names (for did-you-mean suggestions). */
export function schemaPaths(root: JsonSchema, node: JsonSchema = root, prefix: string[] = [], depth = 0): string[] {
  if (depth > 12) return [];
  const n = resolveRef(root, node);
  const out: string[] = [];
  const props = isPlainObject(n.properties) ? n.properties : {};
  for (const [k, sub] of Object.entries(props)) {
    out.push([...prefix, k].join('.'));
    if (isPlainObject(sub)) out.push(...schemaPaths(root, sub, [...prefix, k], depth + 1));
  }
  for (const k of ['allOf', 'anyOf', 'oneOf'])
    if (Array.isArray(n[k])) for (const b of n[k] as unknown[]) if (isPlainObject(b)) out.push(...schemaPaths(root, b, prefix, depth + 1));
  return out;
}

/** The `description` of the schema node at `path`, if any (shown as `# doc` by print_config). */
export function schemaDescription(root: JsonSchema, path: readonly string[]): string | undefined {
  let n: JsonSchema = resolveRef(root, root);
  for (const k of path) {
    const props = isPlainObject(n.properties) ? n.properties : undefined;
    if (!props || !isPlainObject(props[k])) return undefined;
    n = resolveRef(root, props[k] as JsonSchema);
  }
  return typeof n.description === 'string' ? n.description : undefined;
}
