/**
 * Where a `MODEL.WEIGHTS` value lives on disk. Detectron2 configs name model-zoo files as
 * `detectron2://<path>` (its PathManager downloads `https://dl.fbaipublicfiles.com/detectron2/<path>`); nothing is
 * downloaded here (machines may be offline), so such a value names a file in a local cache:
 * `$WSOVVIS_CACHE/detectron2/<path>`, else `~/.cache/wsovvis/detectron2/<path>`. A missing file is a one-line error
 * naming the URL to download and the exact place to put it.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SeqFormerError } from '../../errors.js';

/** Detectron2's model-zoo download prefix (what `detectron2://` stands for). */
export const DETECTRON2_URL_PREFIX = 'https://dl.fbaipublicfiles.com/detectron2/';

/** A resolved `MODEL.WEIGHTS` value. */
export interface WeightsLocation {
  /** Local file to read. */
  readonly path: string;
  /** The value as given (for messages). */
  readonly given: string;
  /** Detectron2's `?matching_heuristics=True` query was given (accepted; backbone keys are matched by name anyway). */
  readonly matchingHeuristics: boolean;
}

/** The cache root of downloaded weights: `$WSOVVIS_CACHE`, else `~/.cache/wsovvis`. */
export function weightsCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.WSOVVIS_CACHE ? env.WSOVVIS_CACHE : join(homedir(), '.cache', 'wsovvis');
}

/**
 * Resolves `MODEL.WEIGHTS`: a local path stays as it is; `detectron2://<path>` (or its
 * `https://dl.fbaipublicfiles.com/detectron2/<path>` URL) becomes `<cache root>/detectron2/<path>`.
 * @throws SeqFormerError `SEQFORMER_WEIGHTS_NOT_CACHED` (exit code 2) when that cache file is absent, naming the
 *   URL to download and where to put it; `SEQFORMER_WEIGHTS` (exit 2) for other URLs and unknown queries.
 */
export function resolveWeightsPath(value: string, env: NodeJS.ProcessEnv = process.env): WeightsLocation {
  const [base, query = ''] = splitQuery(value);
  let matchingHeuristics = false;
  for (const part of query.split('&').filter(Boolean)) {
    if (part === 'matching_heuristics=True') matchingHeuristics = true;
    else if (part !== 'matching_heuristics=False') {
      throw new SeqFormerError('SEQFORMER_WEIGHTS', `MODEL.WEIGHTS: unsupported query '${part}' in '${value}'; expected only matching_heuristics=True|False (as Detectron2)`, { exitCode: 2 });
    }
  }
  let zooPath: string | null = null;
  if (base.startsWith('detectron2://')) zooPath = base.slice('detectron2://'.length);
  else if (base.startsWith(DETECTRON2_URL_PREFIX)) zooPath = base.slice(DETECTRON2_URL_PREFIX.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) {
    throw new SeqFormerError('SEQFORMER_WEIGHTS', `MODEL.WEIGHTS: '${value}' is a URL; expected a local file or detectron2://<path> (nothing is downloaded: download it and give its local path)`, { exitCode: 2 });
  }
  if (zooPath === null) return { path: base, given: value, matchingHeuristics };
  const clean = zooPath.replace(/^\/+/, '');
  if (clean === '' || clean.split('/').includes('..')) {
    throw new SeqFormerError('SEQFORMER_WEIGHTS', `MODEL.WEIGHTS: '${value}' names no model-zoo file; expected detectron2://<path> such as detectron2://ImageNetPretrained/MSRA/R-50.pkl`, { exitCode: 2 });
  }
  const path = join(weightsCacheRoot(env), 'detectron2', ...clean.split('/'));
  if (!existsSync(path)) {
    throw new SeqFormerError(
      'SEQFORMER_WEIGHTS_NOT_CACHED',
      `MODEL.WEIGHTS: ${base} is not in the local cache; download ${DETECTRON2_URL_PREFIX}${clean} to ${path}`,
      { exitCode: 2, hint: `nothing is downloaded automatically (machines may be offline); e.g. curl -L --create-dirs -o '${path}' '${DETECTRON2_URL_PREFIX}${clean}' (the cache root is $WSOVVIS_CACHE, else ~/.cache/wsovvis)` },
    );
  }
  return { path, given: value, matchingHeuristics };
}

/** Splits Detectron2's `?query` off a URL, or off a local path when it is `?matching_heuristics=...`. */
function splitQuery(value: string): [string, string?] {
  const q = value.indexOf('?');
  if (q < 0) return [value];
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  return url || value.startsWith('matching_heuristics=', q + 1) ? [value.slice(0, q), value.slice(q + 1)] : [value];
}
