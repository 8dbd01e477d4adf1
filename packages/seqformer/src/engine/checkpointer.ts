/**
 * Training checkpoints in Detectron2's layout (fvcore `Checkpointer` + `DefaultTrainer`), stored as safetensors:
 *   <saveDir>/model_0000999.safetensors  { model: <state dict, standalone SeqFormer keys, PyTorch layouts>,
 *                                          trainer: { iteration, hooks: { LRScheduler: ... },
 *                                                     _trainer: { iteration, optimizer }, rng, data },
 *                                          iteration }
 *   <saveDir>/last_checkpoint            the basename of the latest file, no newline
 * Files are written to a temporary name and renamed, so a crash never leaves a half-written checkpoint. A model file
 * loads anywhere a SeqFormer `.pth` does (`MODEL.WEIGHTS`, `exp infer --weights`): the `model` subtree is used.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointTensor, isCheckpointDict, readCheckpoint, writeCheckpoint, type CheckpointDict, type CheckpointValue } from '@wsovvis/tensor';
import { SeqFormerError } from '../errors.js';
import type { SeqFormer } from '../model.js';
import type { AdamW } from '../solver/adamw.js';

/** The file extension of our checkpoints. */
export const CHECKPOINT_EXT = '.safetensors';

/** Name of the file holding the basename of the latest checkpoint. */
export const LAST_CHECKPOINT = 'last_checkpoint';

/** What the trainer stores next to the model and optimizer. */
export interface TrainerExtras {
  /** The last finished iteration (0-based); training resumes at `iteration + 1`. */
  readonly iteration: number;
  /** Hook states by hook name (`trainer.hooks`). */
  readonly hooks?: Record<string, Record<string, unknown>>;
  /** How the random draws of a step are derived (for the record; they are a function of the iteration). */
  readonly rng?: Record<string, unknown>;
  /** Data order position (samples each worker has consumed). */
  readonly data?: Record<string, unknown>;
}

/** A loaded training checkpoint. */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly iteration: number;
  readonly trainer: CheckpointDict;
}

/** `model_{iter:07d}` (Detectron2's periodic name; 0-based iteration). */
export function periodicCheckpointName(iter: number): string {
  return `model_${String(iter).padStart(7, '0')}`;
}

/**
 * The checkpoint `<dir>/last_checkpoint` names (absolute path), or null when there is none.
 * @throws SeqFormerError `SEQFORMER_CHECKPOINT` (exit code 2) when `last_checkpoint` names a missing file.
 */
export function findLastCheckpoint(dir: string): string | null {
  const marker = join(dir, LAST_CHECKPOINT);
  if (!existsSync(marker)) return null;
  const name = readFileSync(marker, 'utf8').trim();
  const path = isAbsolute(name) ? name : join(dir, name);
  if (!existsSync(path)) {
    throw new SeqFormerError('SEQFORMER_CHECKPOINT', `${marker}: names '${name}', which does not exist; expected a checkpoint file in ${dir}`, { exitCode: 2 });
  }
  return path;
}

/** Writes and reads training checkpoints for one model and optimizer; see the file comment. */
export class Checkpointer {
  constructor(
    readonly saveDir: string,
    private readonly model: SeqFormer,
    private readonly optimizer?: AdamW,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {}

  /** The model's state dict as checkpoint tensors (PyTorch layouts, standalone keys). */
  modelState(): CheckpointDict {
    const sd = this.model.stateDict({ aliases: false });
    const out: CheckpointDict = {};
    for (const [k, t] of Object.entries(sd)) out[k] = new CheckpointTensor('float32', t.shape, Float32Array.from(t.dataSync() as Float32Array));
    tf.dispose(Object.values(sd));
    return out;
  }

  /**
   * Saves `<saveDir>/<name>.safetensors` (atomically) and points `last_checkpoint` at it.
   * @returns the path written
   * @throws TensorError `TENSOR_CHECKPOINT_WRITE` on I/O errors.
   */
  save(name: string, extras: TrainerExtras): string {
    mkdirSync(this.saveDir, { recursive: true });
    const file = `${name}${CHECKPOINT_EXT}`;
    const path = join(this.saveDir, file);
    const trainer: CheckpointDict = {
      iteration: extras.iteration,
      hooks: (extras.hooks ?? {}) as CheckpointValue,
      _trainer: { iteration: extras.iteration, ...(this.optimizer ? { optimizer: this.optimizer.stateDict() } : {}) },
      ...(extras.rng ? { rng: extras.rng as CheckpointValue } : {}),
      ...(extras.data ? { data: extras.data as CheckpointValue } : {}),
    };
    writeCheckpoint(path, { model: this.modelState(), trainer, iteration: extras.iteration }, { format: 'wsovvis-seqformer-checkpoint' });
    const tmp = join(this.saveDir, `${LAST_CHECKPOINT}.${process.pid}.tmp`);
    writeFileSync(tmp, file); // the basename, no newline (fvcore)
    renameSync(tmp, join(this.saveDir, LAST_CHECKPOINT));
    this.log(`Saving checkpoint to ${path}`);
    return path;
  }

  /**
   * Loads a training checkpoint: the model (reported as Detectron2 does) and, when this checkpointer has an
   * optimizer, its state. Returns the iteration and the trainer subtree (hook states, rng, data).
   * @throws SeqFormerError `SEQFORMER_CHECKPOINT` (exit code 2) when the file is not a training checkpoint.
   */
  load(path: string): LoadedCheckpoint {
    this.log(`Loading checkpoint from ${path}`);
    this.model.loadWeights(path, { log: this.log });
    const tree = readCheckpoint(path);
    if (!isCheckpointDict(tree) || !isCheckpointDict(tree.trainer) || typeof tree.iteration !== 'number') {
      throw new SeqFormerError('SEQFORMER_CHECKPOINT', `${path}: not a training checkpoint; expected { model, trainer, iteration } as the trainer writes it`, { exitCode: 2 });
    }
    const inner = tree.trainer._trainer;
    if (this.optimizer && isCheckpointDict(inner) && inner.optimizer !== undefined) {
      const unexpected = this.optimizer.loadStateDict(inner.optimizer, path);
      if (unexpected.length) this.log(`${path}: optimizer state of parameters not optimized now ignored: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', ...' : ''}`);
    } else if (this.optimizer) {
      this.log(`${path}: no optimizer state in the checkpoint; the optimizer starts fresh`);
    }
    return { path, iteration: tree.iteration, trainer: tree.trainer };
  }
}
