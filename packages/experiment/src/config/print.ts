import type { JsonSchema } from '../experiment/define.js';
import type { ConfigObject } from '../types.js';
import type { ConfigSummary } from './build.js';
import { SEED_DOC, schemaDescription } from './schema.js';
import { isPlainObject } from './tree.js';

const BLUE = '\x1b[34m';
const GREEN = '\x1b[32m';
const RED = '\x1b[31m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** Should output to `stream` be coloured? (a TTY, unless NO_COLOR; FORCE_COLOR forces it). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

/** A value as print_config shows it (JSON, arrays on one line with `, `). */
export function formatConfigValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatConfigValue).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${formatConfigValue(x)}`).join(', ')}}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * Sacred's print_config: the header with the legend, then the config tree, scalars of a level before nested
 * objects, keys sorted; modified entries blue, added green, type-changed red, docs dim (`# ...` at column 35).
 * Without colour each line starts with a marker instead: `~` modified, `+` added, `!` type changed.
 */
export function formatConfig(config: ConfigObject, summary: ConfigSummary, options: { color: boolean; schema?: JsonSchema; doc?: string }): string {
  const { color, schema } = options;
  const lines: string[] = [];
  lines.push(
    color
      ? `Configuration (${BLUE}modified${RESET}, ${GREEN}added${RESET}, ${RED}typechanged${RESET}, ${DIM}doc${RESET}):`
      : 'Configuration (~ modified, + added, ! typechanged, # doc):',
  );
  if (options.doc) lines.push(color ? `${DIM}  """${options.doc}"""${RESET}` : `  """${options.doc}"""`);
  const kindOf = (key: string) => (summary.typechanged.has(key) ? 'typechanged' : summary.added.has(key) ? 'added' : summary.modified.has(key) ? 'modified' : null);
  const emit = (key: string, depth: number, text: string, doc?: string) => {
    const kind = kindOf(key);
    const indent = '  '.repeat(depth + 1);
    let body = `${indent}${text}`;
    if (doc) body = body.padEnd(35) + (color ? `${DIM}# ${doc}${RESET}` : `# ${doc}`);
    if (color) lines.push(kind ? `${kind === 'typechanged' ? RED : kind === 'added' ? GREEN : BLUE}${body}${RESET}` : body);
    else lines.push(`${kind === 'typechanged' ? '!' : kind === 'added' ? '+' : kind === 'modified' ? '~' : ' '}${body.slice(1)}`);
  };
  const walk = (node: Record<string, unknown>, prefix: string[]) => {
    const keys = Object.keys(node).sort();
    const scalars = keys.filter((k) => !isPlainObject(node[k]));
    const nested = keys.filter((k) => isPlainObject(node[k]));
    for (const k of scalars) {
      const path = [...prefix, k];
      const doc = path.length === 1 && k === 'seed' ? SEED_DOC : schema ? schemaDescription(schema, path) : undefined;
      emit(path.join('.'), prefix.length, `${k} = ${formatConfigValue(node[k])}`, doc);
    }
    for (const k of nested) {
      const path = [...prefix, k];
      emit(path.join('.'), prefix.length, `${k}:`, schema ? schemaDescription(schema, path) : undefined);
      walk(node[k] as Record<string, unknown>, path);
    }
  };
  walk(config, []);
  return lines.join('\n') + '\n';
}
