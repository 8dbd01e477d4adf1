import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildConfig, type BuiltConfig, type ConfigLayer } from '../config/build.js';
import { displayPath, loadConfigFile, looksLikeConfigFile } from '../config/file.js';
import { effectiveSchema } from '../config/schema.js';
import { didYouMean } from '../config/suggest.js';
import { isPlainObject } from '../config/tree.js';
import { type ConfigUpdate, isUpdateToken, parseUpdate } from '../config/updates.js';
import { checkUnknownKeys, validateConfig } from '../config/validate.js';
import { ConfigError, ExperimentNotFoundError, UsageError } from '../errors.js';
import type { Experiment, JsonSchema } from '../experiment/define.js';
import { loadExperiment, resolveExperimentFile } from '../experiment/load.js';
import type { ProjectSettings } from '../experiment/project.js';
import type { RunRecord, RunStore } from '../store/store.js';
import type { ConfigObject, ResumeInfo, RunId } from '../types.js';

/** A run ready to execute: the experiment, its final config, and what the command line asked for. */
export interface PreparedRun {
  readonly experiment: Experiment;
  readonly experimentFile: string;
  readonly command: string;
  readonly built: BuiltConfig;
  readonly schema: JsonSchema;
  /** Named-config tokens as given (Sacred's `meta.named_configs`; config files included, as Sacred does). */
  readonly namedConfigs: string[];
  /** The run being resumed, with what the new invocation needs to continue it. */
  readonly resume: { readonly info: ResumeInfo; readonly record: RunRecord } | null;
}

/** Inputs of {@link prepareRun}. */
export interface PrepareRequest {
  readonly project: ProjectSettings;
  readonly cwd: string;
  /** Experiment named on the command line (name or path), if any. */
  readonly experimentRef?: string;
  readonly command?: string;
  /** The `with` tokens, in order. */
  readonly withTokens: readonly string[];
  /** `-f/--force`: unknown keys become warnings. */
  readonly force?: boolean;
  readonly warn?: (message: string) => void;
  /** `--resume ID` with the store to read the run from. */
  readonly resume?: { readonly id: RunId; readonly store: RunStore };
  /** Report unknown keys and type errors through `warn` instead of failing (print_config shows them marked). */
  readonly lenient?: boolean;
  /** Fixed seed generator (tests). */
  readonly randomSeed?: () => number;
}

/** Classified `with` tokens. */
interface Tokens {
  updates: ConfigUpdate[];
  ordered: ({ kind: 'file'; token: string; path: string; data: Record<string, unknown> } | { kind: 'named'; token: string })[];
}

function classify(tokens: readonly string[], cwd: string): Tokens {
  const out: Tokens = { updates: [], ordered: [] };
  for (const raw of tokens) {
    const token = raw.trim();
    if (!token) continue;
    if (isUpdateToken(token)) out.updates.push(parseUpdate(token));
    else {
      const abs = resolve(cwd, token);
      const isFile = existsSync(abs) && statSync(abs).isFile();
      if (isFile || looksLikeConfigFile(token)) out.ordered.push({ kind: 'file', token, path: abs, data: loadConfigFile(abs, cwd) });
      else out.ordered.push({ kind: 'named', token });
    }
  }
  return out;
}

/** Last steps per metric of a stored run (where automatic steps continue). */
function lastStepsOf(metrics: Record<string, { steps: number[] }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (v.steps?.length) out[k] = Math.max(...v.steps);
  return out;
}

/**
 * Resolve the experiment (command line > `experiment:` in a config file > the resumed run), load the config
 * files, named configs and updates, and build and validate the final config.
 * @throws ConfigError / ExperimentNotFoundError / UsageError (all exit 2) for bad input, before anything is recorded.
 */
export async function prepareRun(req: PrepareRequest): Promise<PreparedRun> {
  const tokens = classify(req.withTokens, req.cwd);
  // The experiment named in config files: the files must agree with each other and with the command line.
  let fromFile: { ref: string; file: string } | undefined;
  for (const t of tokens.ordered) {
    if (t.kind !== 'file' || t.data.experiment === undefined) continue;
    const ref = t.data.experiment;
    delete t.data.experiment;
    if (typeof ref !== 'string' || !ref) throw new ConfigError('EXP_CONFIG_TYPE', `${displayPath(t.path, req.cwd)}: key 'experiment' must be an experiment name or path; got ${JSON.stringify(ref)}`);
    if (fromFile && fromFile.ref !== ref)
      throw new ConfigError('EXP_CONFIG_EXPERIMENT', `${displayPath(t.path, req.cwd)}: names experiment '${ref}' but ${fromFile.file} names '${fromFile.ref}'`);
    fromFile = { ref: ref, file: displayPath(t.path, req.cwd) };
  }
  let resume: PreparedRun['resume'] = null;
  let resumedConfig: ConfigObject | null = null;
  if (req.resume) {
    const record = await req.resume.store.get(req.resume.id);
    const metrics = await req.resume.store.metrics(req.resume.id);
    const previous = Array.isArray(record.meta.resumptions) ? record.meta.resumptions.length : 0;
    resume = { record, info: { id: record.id, count: previous + 1, previousStatus: record.status, lastSteps: lastStepsOf(metrics) } };
    resumedConfig = record.config;
  }
  let experimentFile: string;
  if (req.experimentRef) {
    experimentFile = resolveExperimentFile(req.experimentRef, req.project, req.cwd);
    if (fromFile) {
      const other = resolveExperimentFile(fromFile.ref, req.project, dirname(resolve(req.cwd, fromFile.file)), fromFile.file);
      if (other !== experimentFile) throw new ConfigError('EXP_CONFIG_EXPERIMENT', `${fromFile.file}: names experiment '${fromFile.ref}' but the command line runs '${req.experimentRef}'`);
    }
  } else if (fromFile) {
    experimentFile = resolveExperimentFile(fromFile.ref, req.project, req.cwd, fromFile.file);
  } else if (resume) {
    const exp = resume.record.experiment;
    const main = typeof exp.mainfile === 'string' && typeof exp.base_dir === 'string' ? resolve(exp.base_dir, exp.mainfile) : null;
    experimentFile = main && existsSync(main) ? main : resolveExperimentFile(exp.name, req.project, req.cwd, `run ${resume.record.id}`);
  } else {
    throw new UsageError('no experiment given; expected `exp run EXPERIMENT ...` or a config file with an `experiment:` key', `experiments available: see 'exp ls'`, 'EXP_NO_EXPERIMENT');
  }
  const experiment = await loadExperiment(experimentFile);
  const command = req.command ?? 'main';
  if (command !== 'main' && !experiment.commands?.[command]) {
    const names = Object.keys(experiment.commands ?? {});
    const s = didYouMean(command, names);
    throw new UsageError(`experiment '${experiment.name}' has no command '${command}'${s ? `; did you mean '${s}'?` : ''}`, `commands: main${names.length ? `, ${names.join(', ')}` : ''}`, 'EXP_UNKNOWN_COMMAND');
  }
  const layers: ConfigLayer[] = [];
  if (resumedConfig) layers.push({ label: `run ${resume!.record.id} (resumed)`, kind: 'file', token: `--resume ${resume!.record.id}`, data: structuredClone(resumedConfig) });
  const named = experiment.namedConfigs ?? {};
  for (const t of tokens.ordered) {
    if (t.kind === 'file') {
      layers.push({ label: displayPath(t.path, req.cwd), kind: 'file', token: t.token, data: t.data });
      continue;
    }
    const nc = Object.prototype.hasOwnProperty.call(named, t.token) ? named[t.token] : undefined;
    if (!nc) {
      const names = Object.keys(named);
      const s = didYouMean(t.token, names);
      throw new ConfigError('EXP_CONFIG_NAMED', `with ${t.token}: unknown named config '${t.token}' of experiment '${experiment.name}'${s ? `; did you mean '${s}'?` : ''}`, {
        hint: names.length ? `named configs: ${names.join(', ')}; a config file path must exist` : `experiment '${experiment.name}' has no named configs; a config file path must exist`,
      });
    }
    const data = typeof nc.config === 'string' ? loadConfigFile(resolve(dirname(experimentFile), nc.config), req.cwd) : structuredClone(nc.config as Record<string, unknown>);
    if (!isPlainObject(data)) throw new ExperimentNotFoundError(`named config '${t.token}' of '${experiment.name}' is not an object`);
    layers.push({ label: `named config '${t.token}'`, kind: 'named', token: t.token, data });
  }
  const built = buildConfig({
    defaults: experiment.defaults,
    layers,
    updates: tokens.updates,
    ...(experiment.configHook ? { configHook: experiment.configHook as (c: ConfigObject) => unknown } : {}),
    ...(req.randomSeed ? { randomSeed: req.randomSeed } : {}),
  });
  const schema = effectiveSchema(experiment.schema, experiment.defaults);
  const force = Boolean(req.force || req.lenient);
  checkUnknownKeys(built.config, experiment.defaults, schema, built.origins, { force, ...(req.warn ? { warn: req.warn } : {}) });
  try {
    validateConfig(built.config, schema, built.origins, { force });
  } catch (e) {
    if (!req.lenient) throw e;
    req.warn?.((e as Error).message);
  }
  return { experiment, experimentFile, command, built, schema, namedConfigs: tokens.ordered.map((t) => t.token), resume };
}
