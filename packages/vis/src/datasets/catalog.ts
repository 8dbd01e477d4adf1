// The dataset catalog (detectron2's DatasetCatalog + MetadataCatalog in one): names -> where a video data set lives
// and what kind it is. The kind is explicit, so names need no `ytvis_` prefix (SeqFormer's prefix rule is gone).
import { isAbsolute, join } from 'node:path';
import { VisError } from '../errors.js';

/** The data set kinds we read. `ytvis` covers YouTube-VIS 2019/2021, LV-VIS and tube JSON from step B. */
export type DatasetType = 'ytvis';

/** Where a registered data set lives. Paths are absolute once resolved by {@link DatasetCatalog.get}. */
export interface DatasetSpec {
  readonly name: string;
  readonly type: DatasetType;
  /** YouTube-VIS JSON (GT, tube JSON, or image-only JSON without `annotations`). */
  readonly jsonFile: string;
  /** Folder that `file_names` in the JSON are relative to. */
  readonly imageRoot: string;
  /** Which evaluator fits this data set. */
  readonly evaluatorType: 'ytvis';
}

/** A user registration: paths absolute or relative to the catalog's data root. */
export interface DatasetRegistration {
  readonly type?: DatasetType;
  readonly jsonFile: string;
  readonly imageRoot: string;
}

type Builtin = readonly [imageRoot: string, jsonFile: string];

/**
 * Built-in data sets, relative to the data root. YouTube-VIS paths follow detectron2/SeqFormer's builtin.py;
 * LV-VIS follows the pipeline README (`LV-VIS/{train,val}/JPEGImages`, `LV-VIS/annotations/lvvis_{train,val}.json`);
 * `demo_*` is the embedded demo data written by `exp make-demo-data --out <root>/demo`.
 */
export const BUILTIN_DATASETS = {
  ytvis_2019_train: ['ytvis_2019/train/JPEGImages', 'ytvis_2019/train.json'],
  ytvis_2019_val: ['ytvis_2019/valid/JPEGImages', 'ytvis_2019/valid.json'],
  ytvis_2019_test: ['ytvis_2019/test/JPEGImages', 'ytvis_2019/test.json'],
  ytvis_2021_train: ['ytvis_2021/train/JPEGImages', 'ytvis_2021/train.json'],
  ytvis_2021_val: ['ytvis_2021/valid/JPEGImages', 'ytvis_2021/valid.json'],
  ytvis_2021_test: ['ytvis_2021/test/JPEGImages', 'ytvis_2021/test.json'],
  lvvis_train: ['LV-VIS/train/JPEGImages', 'LV-VIS/annotations/lvvis_train.json'],
  lvvis_val: ['LV-VIS/val/JPEGImages', 'LV-VIS/annotations/lvvis_val.json'],
  demo_train: ['demo/train/JPEGImages', 'demo/annotations/lvvis_train.json'],
  demo_val: ['demo/val/JPEGImages', 'demo/annotations/lvvis_val.json'],
} as const satisfies Record<string, Builtin>;

/** Names of the built-in data sets. */
export type BuiltinDatasetName = keyof typeof BUILTIN_DATASETS;

/**
 * The default data root: `$WSOVVIS_DATASETS`, else `$DETECTRON2_DATASETS`, else `data` (relative to the cwd).
 */
export function defaultDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.WSOVVIS_DATASETS || env.DETECTRON2_DATASETS || 'data';
}

/**
 * A registry of data sets: the built-ins plus names registered at run time (e.g. the step B tube JSON of an
 * experiment). `get` resolves paths against the data root.
 */
export class DatasetCatalog {
  private readonly user = new Map<string, DatasetRegistration>();

  /** @param dataRoot folder the built-ins and relative registrations live under; default {@link defaultDataRoot}. */
  constructor(readonly dataRoot: string = defaultDataRoot()) {}

  /**
   * Registers a data set under `name` (any name: no prefix rule).
   * @throws VisError VIS_DATASET_DUPLICATE (exit 2) when the name is taken (built-in or registered).
   */
  register(name: string, registration: DatasetRegistration): void {
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
      throw new VisError('VIS_DATASET_NAME', `dataset name '${name}': invalid; expected letters, digits, '_', '-' or '.'`, { exitCode: 2 });
    if (this.has(name))
      throw new VisError('VIS_DATASET_DUPLICATE', `dataset '${name}': already registered; expected a new name`, {
        exitCode: 2,
        hint: 'choose another name, or call unregister() first',
      });
    if (registration.type !== undefined && registration.type !== 'ytvis')
      throw new VisError('VIS_DATASET_TYPE', `dataset '${name}': unknown type '${String(registration.type)}'; expected 'ytvis'`, { exitCode: 2 });
    this.user.set(name, registration);
  }

  /** Removes a run-time registration; built-ins cannot be removed. @returns whether it was registered. */
  unregister(name: string): boolean {
    return this.user.delete(name);
  }

  /** True when `name` is a built-in or registered data set. */
  has(name: string): boolean {
    return name in BUILTIN_DATASETS || this.user.has(name);
  }

  /** All names, built-ins first, then registrations in order. */
  list(): string[] {
    return [...Object.keys(BUILTIN_DATASETS), ...this.user.keys()];
  }

  /**
   * Looks a data set up and resolves its paths (files are not checked here; the reader does that).
   * @throws VisError VIS_DATASET_UNKNOWN (exit 2) listing every available name.
   */
  get(name: string): DatasetSpec {
    const resolvePath = (p: string) => (isAbsolute(p) ? p : join(this.dataRoot, p));
    const reg = this.user.get(name);
    if (reg) return { name, type: reg.type ?? 'ytvis', jsonFile: resolvePath(reg.jsonFile), imageRoot: resolvePath(reg.imageRoot), evaluatorType: 'ytvis' };
    const builtin = (BUILTIN_DATASETS as Record<string, Builtin>)[name];
    if (builtin) return { name, type: 'ytvis', imageRoot: resolvePath(builtin[0]), jsonFile: resolvePath(builtin[1]), evaluatorType: 'ytvis' };
    throw new VisError('VIS_DATASET_UNKNOWN', `dataset '${name}': not registered; expected one of ${this.list().join(', ')}`, {
      exitCode: 2,
      hint: 'register it with catalog.register(name, { jsonFile, imageRoot })',
    });
  }
}
