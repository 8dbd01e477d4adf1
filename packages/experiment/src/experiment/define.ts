import { ExperimentError } from '../errors.js';
import type { ConfigObject, DeepPartial } from '../types.js';
import type { RunContext } from '../run/context.js';

/** A JSON Schema (draft-07 / 2019-09 subset that ajv accepts) describing an experiment's config. */
export type JsonSchema = { [key: string]: unknown };

/**
 * A named config: a partial config applied when its name appears in the `with` block, or a path (relative to
 * the experiment file) of a YAML/JSON file holding one.
 */
export interface NamedConfig<C extends ConfigObject> {
  /** One line shown by `print_named_configs`. */
  readonly doc?: string;
  readonly config: DeepPartial<C> | string;
}

/** An extra command of an experiment (`exp run EXPERIMENT COMMAND with ...`), like Sacred's `@ex.command`. */
export interface ExperimentCommand<C extends ConfigObject> {
  readonly describe?: string;
  /** Unobserved commands create no run record (Sacred's `unobserved=True`). Default false. */
  readonly unobserved?: boolean;
  run(ctx: RunContext<C>): unknown;
}

/** Hook called once the seeds are set, before main, in every process that runs main (e.g. seed tfjs). */
export type SeedHook = (seeds: { seed: number; rank: number; deriveSeed: RunContext['deriveSeed'] }) => void | Promise<void>;

/** What {@link defineExperiment} takes. `C` is the config type; `R` main's result type. */
export interface ExperimentDefinition<C extends ConfigObject, R = unknown> {
  /** Experiment name, recorded as `experiment.name` (overridable with `-n`). */
  readonly name: string;
  /** One line for `--help` and `exp ls`. */
  readonly description?: string;
  /** Default configuration: every key the experiment understands (the lowest precedence). */
  readonly defaults: C;
  /**
   * JSON Schema of the config, validated with ajv after all updates are applied. When absent, a schema is
   * derived from the defaults (each leaf keeps its type, no unknown keys). `exp schema` prints it.
   */
  readonly schema?: JsonSchema;
  /** Named configs, applied in the order given on the command line. */
  readonly namedConfigs?: Readonly<Record<string, NamedConfig<C>>>;
  /**
   * Derived values (Sacred's config hook): called with the merged config; what it returns is merged in, then
   * the command-line updates are applied again so they always win.
   */
  readonly configHook?: (config: C) => DeepPartial<C>;
  /**
   * Checks of the run's inputs that need the final config (e.g. data files exist), run before a run record is
   * created, for `main` and the experiment's own commands (never for print_config & co.). Throw an error with
   * `{ code, exitCode: 2 }` and a one-line message naming the key and file: the CLI prints it and records nothing.
   */
  readonly preflight?: (config: C, info: { readonly command: string }) => void | Promise<void>;
  /** The experiment: receives the typed config and the run context; its return value is the run's result. */
  readonly main: (ctx: RunContext<C>) => R | Promise<R>;
  /** Extra commands. */
  readonly commands?: Readonly<Record<string, ExperimentCommand<C>>>;
  /** Extra host info, evaluated at run start (Sacred's additional_host_info), e.g. `{ tfjs_backend: () => ... }`. */
  readonly hostInfo?: Readonly<Record<string, () => unknown | Promise<unknown>>>;
  /** Called after seeding, before main, in each process running main. */
  readonly seedHooks?: readonly SeedHook[];
  /** Extra source files to record (absolute or relative to the experiment file). */
  readonly sources?: readonly string[];
  /** Environment variables recorded in `host.ENV`. */
  readonly capturedEnv?: readonly string[];
}

/** The brand that marks an object made by {@link defineExperiment}. */
export const EXPERIMENT_BRAND = 'wsovvis.experiment' as const;

/** An experiment: its definition plus a brand the loader checks. Export it as the module's default export. */
export interface Experiment<C extends ConfigObject = ConfigObject, R = unknown> extends ExperimentDefinition<C, R> {
  readonly kind: typeof EXPERIMENT_BRAND;
}

/**
 * Declare an experiment. Export the result as the default export of a module under `experiments/`
 * (found by `exp run NAME`) or anywhere (found by `exp run path/to/file.ts`).
 *
 * @example
 * export default defineExperiment({
 *   name: 'hello',
 *   defaults: { lr: 0.1, steps: 100 },
 *   namedConfigs: { fast: { doc: 'few steps', config: { steps: 10 } } },
 *   async main(ctx) { for (let i = 0; i < ctx.config.steps; i++) ctx.logScalar('loss', 1 / (i + 1)); return 'ok'; },
 * });
 * @throws ExperimentError `EXP_DEFINITION` when the name is empty or defaults is not a plain object.
 */
export function defineExperiment<C extends ConfigObject, R = unknown>(definition: ExperimentDefinition<C, R>): Experiment<C, R> {
  return validateDefinition({ ...definition, kind: EXPERIMENT_BRAND });
}

function validateDefinition<C extends ConfigObject, R>(e: Experiment<C, R>): Experiment<C, R> {
  if (typeof e.name !== 'string' || e.name.trim() === '')
    throw new ExperimentError('EXP_DEFINITION', `defineExperiment: name must be a non-empty string; got ${JSON.stringify(e.name)}`);
  if (e.defaults === null || typeof e.defaults !== 'object' || Array.isArray(e.defaults))
    throw new ExperimentError('EXP_DEFINITION', `defineExperiment(${e.name}): defaults must be a plain object`);
  if (typeof e.main !== 'function')
    throw new ExperimentError('EXP_DEFINITION', `defineExperiment(${e.name}): main must be a function`);
  return e;
}

/** True when `value` was made by {@link defineExperiment} (checked by brand, so copies of the package interoperate). */
export function isExperiment(value: unknown): value is Experiment {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === EXPERIMENT_BRAND;
}
