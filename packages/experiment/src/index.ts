/**
 * @wsovvis/experiment: a Sacred-like experiment framework. Define experiments with {@link defineExperiment},
 * run them with the `exp` CLI, record them with observers (FileStorage, MongoDB), browse them with a RunStore.
 */
export * from './errors.js';
export type * from './types.js';
export { defineExperiment, isExperiment, EXPERIMENT_BRAND } from './experiment/define.js';
export type { Experiment, ExperimentDefinition, ExperimentCommand, NamedConfig, JsonSchema, SeedHook } from './experiment/define.js';
export type { RunContext, Rng, DeriveSeedOptions } from './run/context.js';
export type { Logger, LogLevelName } from './logging/logger.js';
export { LOG_LEVELS, createLogger, parseLogLevel } from './logging/logger.js';
export type * from './observers/observer.js';
export { OBSERVERS, registerObserver, observerEntries, getObserverEntry } from './observers/registry.js';
export type { ObserverEntry, ObserverFactoryContext, ObserverFlag } from './observers/registry.js';
export { FileStorageObserver, FILE_STORAGE_PRIORITY, RESERVED_RUN_FILES, md5File, contentAddressedName } from './observers/file.js';
export type { RunStore, RunRecord, RunSummary, RunFilter, WhereClause } from './store/store.js';
export { FileRunStore } from './store/file-store.js';
export { toRunRecord, decodeJsonpickle, compareRunIds } from './store/record.js';
export { matchesFilter, parseWhere, effectiveStatus, readPath, DEAD_AFTER_MS } from './store/filter.js';
export { dumpPythonJson, pythonFloatRepr, pythonJsonString, toPlain } from './json/python-json.js';
export { parseTolerantJson, JsonSyntaxError } from './json/tolerant-parse.js';
export { writeFileAtomic, copyFileAtomic } from './io/atomic.js';
export { isoNow, isoFromMicros, nowMicros, isoToDate, formatDuration, jsonpickleDatetime } from './run/time.js';
export type * from './run/distributed.js';
export type { ExpCommand } from './cli/command.js';
export { defineCommand } from './cli/command.js';
// Programmatic API (what the CLI uses; tests and other tools may call it directly).
export { prepareRun } from './run/prepare.js';
export type { PreparedRun, PrepareRequest } from './run/prepare.js';
export { executeRun, worldSizeOf } from './run/lifecycle.js';
export type { RunOptions, RunOutcome } from './run/lifecycle.js';
export { childProcessLauncher } from './run/child-launcher.js';
export { deriveSeed, createRng, seedMathRandom } from './run/seed.js';
export { applyBackspacesAndLinefeeds, ProgressFilter } from './run/progress-filter.js';
export { collectHostInfo, parseNvidiaSmiXml, platformString } from './run/host-info.js';
export { findProject } from './experiment/project.js';
export type { ProjectSettings } from './experiment/project.js';
export { loadExperiment, resolveExperimentFile, listExperimentNames, enableTypeScript, importModule } from './experiment/load.js';
export { buildConfig, summarize, SEED_MAX } from './config/build.js';
export type { BuiltConfig, ConfigLayer, ConfigSummary } from './config/build.js';
export { loadConfigFile, parseConfigText } from './config/file.js';
export { parseUpdate, parseValue } from './config/updates.js';
export type { ConfigUpdate } from './config/updates.js';
export { checkUnknownKeys, validateConfig } from './config/validate.js';
export { schemaFromDefaults, effectiveSchema, editorSchema } from './config/schema.js';
export { formatConfig } from './config/print.js';
