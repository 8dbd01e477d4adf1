import { looksLikeConfigFile } from '../config/file.js';
import { isUpdateToken } from '../config/updates.js';
import { UsageError } from '../errors.js';

/** The positional words of `exp run`/`exp print_config`: experiment, command, and the `with` block. */
export interface RunWords {
  readonly experiment?: string;
  readonly command?: string;
  readonly withTokens: string[];
  /** Whether the `with` keyword was given. */
  readonly with: boolean;
}

/**
 * Split positionals Sacred-style: `[EXPERIMENT] [COMMAND] [with UPDATE...]`. Without `with`, the block starts at
 * the first `key=value` or config-file token.
 * @throws UsageError when more than two words precede the `with` block.
 */
export function splitRunWords(words: readonly string[], maxHead = 2): RunWords {
  const idx = words.indexOf('with');
  let head: string[];
  let tail: string[];
  if (idx >= 0) {
    head = words.slice(0, idx);
    tail = words.slice(idx + 1);
  } else {
    const start = words.findIndex((w) => isUpdateToken(w) || looksLikeConfigFile(w));
    head = start >= 0 ? words.slice(0, start) : [...words];
    tail = start >= 0 ? words.slice(start) : [];
  }
  if (head.length > maxHead)
    throw new UsageError(
      `unexpected '${head[maxHead]}'; expected ${maxHead === 2 ? '[EXPERIMENT] [COMMAND]' : '[EXPERIMENT]'} then 'with' and config files, named configs or key=value updates`,
      `named configs go after 'with', e.g. exp run ${head[0]} with ${head.slice(maxHead).join(' ')}`,
    );
  return { ...(head[0] !== undefined ? { experiment: head[0] } : {}), ...(head[1] !== undefined ? { command: head[1] } : {}), withTokens: tail, with: idx >= 0 };
}
