import { UsageError } from '../errors.js';

/** Sacred's default database name (`-m host:port` and URIs without a path). */
export const DEFAULT_MONGO_DB = 'sacred';
/** Sacred's MongoObserver priority: above FileStorage (20), so with `-m` and `-F` Mongo's integer id names the run. */
export const DEFAULT_MONGO_PRIORITY = 30;

/** Where `-m` points: everything the observer and the store need, credentials only in {@link url}. */
export interface MongoTarget {
  /** Connection string for the driver, credentials included. Never print or record it: use {@link display}. */
  readonly url: string;
  /** The same with the password (and user) replaced by `***`: safe for messages, logs and run records. */
  readonly display: string;
  readonly dbName: string;
  /** Runs collection (Sacred's deprecated `.collection` suffix renames only this one). */
  readonly runsCollection: string;
  /** Metrics collection: always `metrics` (Omniboard's `$lookup` hard-codes the name). */
  readonly metricsCollection: string;
  readonly priority: number;
  /** Secrets found in the argument (password, user:password), for {@link redactSecrets}. */
  readonly secrets: readonly string[];
}

const NAME = String.raw`[_A-Za-z][0-9A-Za-z#%&'()+\-;=@\[\]^_{}]{0,63}`;
const HOST = String.raw`[0-9A-Za-z](?:(?:[0-9A-Za-z]|-){0,61}[0-9A-Za-z])?(?:\.[0-9A-Za-z](?:(?:[0-9A-Za-z]|-){0,61}[0-9A-Za-z])?)*`;
const HOST_ONLY = new RegExp(`^(?<host>${HOST}):(?<port>\\d{1,5})$`);
const SHORT = new RegExp(
  `^(?:(?<host>${HOST}):(?<port>\\d{1,5}):)?(?<db>${NAME})(?:\\.(?<coll>${NAME})(?::(?<overwrite>\\d{1,12}))?)?(?:!(?<priority>-?\\d+))?$`,
);
const RESERVED_COLLECTIONS = new Set(['fs.files', 'fs.chunks', '_properties', 'system.indexes', 'search_space', 'search_spaces']);

/**
 * Parse the value of `-m/--mongo_db`.
 *
 * Accepted forms:
 * - `mongodb://[user:pass@]host[:port][,host2...]/[db][?options]` and `mongodb+srv://...` (database from the path,
 *   default `sacred`);
 * - Sacred's short grammar: `host:port` (db `sacred`), or `[host:port:]db_name[.collection][!priority]`
 *   (host defaults to `localhost:27017`).
 *
 * @throws UsageError (exit 2) for anything else, and for Sacred's overwrite suffix `db.collection:run_id`
 *   (use `exp run --resume ID` instead). The message never contains the password.
 */
export function parseMongoTarget(arg: string): MongoTarget {
  const value = arg.trim();
  if (/^mongodb(\+srv)?:\/\//i.test(value)) return parseUri(value);
  const hostOnly = HOST_ONLY.exec(value);
  if (hostOnly?.groups) return shortTarget(hostOnly.groups.host!, hostOnly.groups.port!, DEFAULT_MONGO_DB, 'runs', DEFAULT_MONGO_PRIORITY);
  const m = SHORT.exec(value);
  if (!m?.groups) {
    throw new UsageError(
      `-m/--mongo_db: cannot parse '${redactMongoArg(value)}'; expected mongodb://[user:pass@]host:port/db, host:port, or [host:port:]db_name[.collection][!priority]`,
      'examples: -m mongodb://localhost:27017/sacred, -m localhost:27017:sacred',
      'EXP_MONGO_URL',
    );
  }
  const g = m.groups;
  if (g.overwrite !== undefined) {
    throw new UsageError(
      `-m/--mongo_db: the overwrite suffix ':${g.overwrite}' in '${value}' is not supported; expected [host:port:]db_name[.collection][!priority]`,
      `continue a run with 'exp run ... --resume ${g.overwrite} -m ...' instead`,
      'EXP_MONGO_URL',
    );
  }
  const collection = g.coll ?? 'runs';
  checkCollection(collection);
  const priority = g.priority === undefined ? DEFAULT_MONGO_PRIORITY : Number(g.priority);
  return shortTarget(g.host ?? 'localhost', g.port ?? '27017', g.db!, collection, priority);
}

function shortTarget(host: string, port: string, dbName: string, runsCollection: string, priority: number): MongoTarget {
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65535) {
    throw new UsageError(`-m/--mongo_db: port ${port} is out of range; expected 1..65535`, undefined, 'EXP_MONGO_URL');
  }
  const url = `mongodb://${host}:${portNumber}/${encodeURIComponent(dbName)}`;
  return { url, display: url, dbName, runsCollection, metricsCollection: 'metrics', priority, secrets: [] };
}

function parseUri(value: string): MongoTarget {
  const m = /^(mongodb(?:\+srv)?:\/\/)(?:([^@/]*)@)?([^/?#@]+)(\/[^?#]*)?(\?[^#]*)?$/i.exec(value);
  if (!m) {
    throw new UsageError(
      `-m/--mongo_db: malformed MongoDB URI '${redactMongoArg(value)}'; expected mongodb://[user:pass@]host:port/db`,
      undefined,
      'EXP_MONGO_URL',
    );
  }
  const [, scheme, userInfo, hosts, path, query] = m;
  const secrets: string[] = [];
  if (userInfo !== undefined) {
    secrets.push(userInfo);
    const colon = userInfo.indexOf(':');
    if (colon >= 0) {
      const pass = userInfo.slice(colon + 1);
      if (pass.length > 0) secrets.push(pass, safeDecode(pass));
    }
  }
  const rawDb = path && path.length > 1 ? safeDecode(path.slice(1)) : DEFAULT_MONGO_DB;
  if (!new RegExp(`^${NAME}$`).test(rawDb)) {
    throw new UsageError(
      `-m/--mongo_db: bad database name '${rawDb}' in the URI; expected a letter or '_' then up to 63 of [0-9A-Za-z#%&'()+-;=@[]^_{}]`,
      undefined,
      'EXP_MONGO_URL',
    );
  }
  const display = `${scheme}${userInfo !== undefined ? '***@' : ''}${hosts}${path ?? ''}${redactQuery(query ?? '')}`;
  const params = new URLSearchParams((query ?? '').slice(1));
  for (const key of ['password', 'authMechanismProperties', 'tlsCertificateKeyFilePassword']) {
    const v = params.get(key);
    if (v) secrets.push(v);
  }
  return {
    url: value,
    display,
    dbName: rawDb,
    runsCollection: 'runs',
    metricsCollection: 'metrics',
    priority: DEFAULT_MONGO_PRIORITY,
    secrets: [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length),
  };
}

function checkCollection(name: string): void {
  if (RESERVED_COLLECTIONS.has(name)) {
    throw new UsageError(`-m/--mongo_db: collection name '${name}' is reserved; expected another name`, undefined, 'EXP_MONGO_URL');
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function redactQuery(query: string): string {
  return query.replace(/([?&](?:password|tlsCertificateKeyFilePassword|authMechanismProperties)=)[^&]*/gi, '$1***');
}

/**
 * Redact credentials from a `-m` argument or any text that may contain a MongoDB URI:
 * `mongodb://user:pass@host` becomes `mongodb://***@host`. Safe to call on any string.
 */
export function redactMongoArg(text: string): string {
  return redactQuery(text.replace(/(mongodb(?:\+srv)?:\/\/)[^@/\s'"]*@/gi, '$1***@'));
}

/**
 * Remove every credential of `target` from `text` (error messages, captured output, run records), then any
 * URI userinfo left. Used on everything the Mongo observer prints or stores.
 */
export function redactSecrets(text: string, target: Pick<MongoTarget, 'secrets'>): string {
  let out = text;
  // Secrets shorter than 3 characters would mangle ordinary text; the URI form below still hides them.
  for (const secret of target.secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return redactMongoArg(out);
}

/**
 * Deep-copy a JSON-like value with every string passed through {@link redactSecrets} (run records may carry the
 * `-m` argument in `meta.options` or in `host.ENV`). Non-plain objects (Date, ObjectId, Buffer) are kept as is.
 */
export function redactDeep<T>(value: T, target: Pick<MongoTarget, 'secrets'>): T {
  if (typeof value === 'string') return redactSecrets(value, target) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, target)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redactSecrets(k, target)] = redactDeep(v, target);
    return out as T;
  }
  return value;
}
