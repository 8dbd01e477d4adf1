/**
 * A tiny schema language for the Detectron2-style config tree: every leaf knows its kind (int, float, bool, str,
 * list of one of these), its default and a one-line doc. The TypeScript type of the config is inferred from the
 * schema, so the defaults, the validation and the type cannot drift apart.
 */

/** Scalar kinds a leaf (or a list element) can have. */
export type ScalarKind = 'int' | 'float' | 'bool' | 'str';

interface ScalarType {
  int: number;
  float: number;
  bool: boolean;
  str: string;
}

/** A config leaf: the kind of its value, whether it is a list, whether `None`/`null` is allowed, and its default. */
export interface LeafSpec<T = unknown> {
  readonly type: 'leaf';
  readonly kind: ScalarKind;
  readonly list: boolean;
  readonly nullable: boolean;
  readonly default: T;
  readonly doc: string;
  readonly choices?: readonly string[];
}

/** A config node: named children (nodes or leaves). */
export interface NodeSpec<C extends Record<string, Spec> = Record<string, Spec>> {
  readonly type: 'node';
  readonly children: C;
}

/** Any schema element. */
export type Spec = LeafSpec | NodeSpec;

/** The plain value type described by a schema element. */
export type ValueOf<S> = S extends LeafSpec<infer T> ? T : S extends NodeSpec<infer C> ? { [K in keyof C]: ValueOf<C[K]> } : never;

/** A deep-partial version of a config value (what a user may hand to `resolveConfig`). */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

const leaf = <T>(kind: ScalarKind, list: boolean, nullable: boolean, def: T, doc: string, choices?: readonly string[]): LeafSpec<T> => ({
  type: 'leaf',
  kind,
  list,
  nullable,
  default: def,
  doc,
  ...(choices ? { choices } : {}),
});

/** An integer leaf. */
export const int = (def: number, doc: string): LeafSpec<number> => leaf('int', false, false, def, doc);
/** A float leaf (integers are accepted and kept as numbers). */
export const float = (def: number, doc: string): LeafSpec<number> => leaf('float', false, false, def, doc);
/** A float leaf that may be `None`. */
export const optFloat = (def: number | null, doc: string): LeafSpec<number | null> => leaf('float', false, true, def, doc);
/** A boolean leaf. */
export const bool = (def: boolean, doc: string): LeafSpec<boolean> => leaf('bool', false, false, def, doc);
/** A string leaf, optionally restricted to `choices`. */
export const str = (def: string, doc: string, choices?: readonly string[]): LeafSpec<string> => leaf('str', false, false, def, doc, choices);
/** A list (or tuple) leaf whose elements have one scalar kind. */
export const list = <K extends ScalarKind>(kind: K, def: ScalarType[K][], doc: string): LeafSpec<ScalarType[K][]> =>
  leaf(kind, true, false, def, doc);
/** A node with children. */
export const node = <C extends Record<string, Spec>>(children: C): NodeSpec<C> => ({ type: 'node', children });

/** Builds the default value tree of a schema (fresh objects and arrays every call). */
export function defaultsOf<S extends Spec>(spec: S): ValueOf<S> {
  if (spec.type === 'leaf') {
    const d = spec.default;
    return (Array.isArray(d) ? [...d] : d) as ValueOf<S>;
  }
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(spec.children)) out[k] = defaultsOf(child);
  return out as ValueOf<S>;
}

/** Lists every leaf path of a schema in definition order, e.g. `MODEL.SeqFormer.NUM_CLASSES`. */
export function leafPaths(spec: Spec, prefix = ''): string[] {
  if (spec.type === 'leaf') return [prefix];
  const out: string[] = [];
  for (const [k, child] of Object.entries(spec.children)) out.push(...leafPaths(child, prefix ? `${prefix}.${k}` : k));
  return out;
}

/** Finds the schema element at a dotted path, or undefined. */
export function specAt(spec: Spec, path: readonly string[]): Spec | undefined {
  let cur: Spec = spec;
  for (const part of path) {
    if (cur.type !== 'node' || !Object.prototype.hasOwnProperty.call(cur.children, part)) return undefined;
    cur = cur.children[part];
  }
  return cur;
}
