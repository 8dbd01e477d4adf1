// Where `resume: true` continues from (the original: Detectron2's `resume_or_load(resume=True)` on OUTPUT_DIR):
//   1. `--resume ID`: the run's own output folder (the same run record continues);
//   2. otherwise the most recent run of this experiment in the -F folder whose output folder has a last_checkpoint;
//   3. otherwise OUTPUT_DIR;
// with none, training starts from scratch (with a notice, as Detectron2 does).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { findLastCheckpoint } from '@wsovvis/seqformer';

/** Subfolder of a run folder holding Detectron2's outputs (the original's `runs/<id>/d2/`). */
export const D2_SUBDIR = 'd2';

/** Where a resumed run loads from. */
export interface ResumeSource {
  readonly checkpoint: string;
  /** The run it belongs to (its id in the -F folder), or null for OUTPUT_DIR. */
  readonly runId: string | null;
  readonly how: 'this run' | 'latest run' | 'OUTPUT_DIR';
}

/** Run folders of `experimentName` in `storageDir` (not `exclude`), newest first (by start time, then id). */
function runsOf(storageDir: string, experimentName: string, exclude: string | null): { id: string; dir: string }[] {
  const out: { id: string; dir: string; start: string }[] = [];
  for (const name of existsSync(storageDir) ? readdirSync(storageDir) : []) {
    if (name === exclude || name.startsWith('_') || name.startsWith('.')) continue;
    const runJson = join(storageDir, name, 'run.json');
    if (!existsSync(runJson)) continue;
    try {
      const run = JSON.parse(readFileSync(runJson, 'utf8')) as { experiment?: { name?: string }; start_time?: string };
      if (run.experiment?.name === experimentName) out.push({ id: name, dir: join(storageDir, name), start: run.start_time ?? '' });
    } catch {
      // a run being written right now; not a candidate
    }
  }
  return out.sort((a, b) => (a.start === b.start ? Number(b.id) - Number(a.id) : a.start < b.start ? 1 : -1));
}

/**
 * Finds the checkpoint to resume from (see the file comment).
 * @param runDir this run's folder (null when unobserved)
 * @param resumedRun true when this invocation continues this run (`--resume ID`)
 */
export function findResumeSource(o: { runDir: string | null; resumedRun: boolean; experimentName: string; outputDir: string }): ResumeSource | null {
  if (o.runDir) {
    const own = findLastCheckpoint(join(o.runDir, D2_SUBDIR));
    if (own) return { checkpoint: own, runId: basename(o.runDir), how: 'this run' };
    if (!o.resumedRun) {
      for (const run of runsOf(dirname(o.runDir), o.experimentName, basename(o.runDir))) {
        const ckpt = findLastCheckpoint(join(run.dir, D2_SUBDIR));
        if (ckpt) return { checkpoint: ckpt, runId: run.id, how: 'latest run' };
      }
    }
  }
  const fromOutput = findLastCheckpoint(o.outputDir);
  return fromOutput ? { checkpoint: fromOutput, runId: null, how: 'OUTPUT_DIR' } : null;
}
