import { dirname, relative } from 'node:path';
import type { Experiment } from '../experiment/define.js';
import type { ProjectSettings } from '../experiment/project.js';
import type { ExperimentInfo } from '../observers/observer.js';
import { dependenciesOf, filesReachableFrom, packageOf } from './loaded-modules.js';
import { collectRepositories, collectSources } from './sources.js';

/**
 * Sacred's `experiment` record for a run: name (or `-n`), base_dir (the experiment file's folder), content-
 * hashed sources (main file plus the local modules it loaded), the loaded packages, git info, mainfile.
 */
export async function collectExperimentInfo(experiment: Experiment, experimentFile: string, project: ProjectSettings, nameOverride?: string): Promise<ExperimentInfo> {
  const baseDir = dirname(experimentFile);
  const reachable = filesReachableFrom(experimentFile);
  const sources = await collectSources(experimentFile, baseDir, reachable, experiment.sources ?? []);
  const exclude = new Set<string>();
  if (project.packageName) exclude.add(project.packageName);
  const own = packageOf(baseDir);
  if (own) exclude.add(own.name);
  return {
    name: nameOverride ?? experiment.name,
    base_dir: baseDir,
    sources,
    dependencies: dependenciesOf(reachable, exclude),
    repositories: await collectRepositories(sources),
    mainfile: relative(baseDir, experimentFile),
  };
}
