/**
 * Sacred's `apply_backspaces_and_linefeeds`, exactly: per line, `\r` moves the cursor to column 0 (without
 * clearing), `\b` moves it one left, other characters overwrite or append; a `\r` that is the last character of
 * the whole text is kept so the next chunk can continue the line.
 */
export function applyBackspacesAndLinefeeds(text: string): string {
  const lines = text.split('\n');
  return lines.map((line, i) => applyLine(line, i === lines.length - 1)).join('\n');
}

function applyLine(line: string, isLastLine: boolean): string {
  if (!line.includes('\r') && !line.includes('\b')) return line;
  const orig = Array.from(line);
  const chars: string[] = [];
  let cursor = 0;
  for (let j = 0; j < orig.length; j++) {
    const c = orig[j]!;
    const lastOfText = isLastLine && j === orig.length - 1;
    if (c === '\r' && !lastOfText) cursor = 0;
    else if (c === '\b') cursor = Math.max(0, cursor - 1);
    else {
      if (c === '\r') cursor = chars.length;
      if (cursor === chars.length) chars.push(c);
      else chars[cursor] = c;
      cursor++;
    }
  }
  return chars.join('');
}

/**
 * Incremental form of the filter for captured output: complete lines are filtered once and never change;
 * the unfinished last line is only filtered when the output ends. So cout.txt is append-only and matches
 * `applyBackspacesAndLinefeeds(all output)` at the end (Sacred re-filters everything at every beat and can
 * leave the file diverged from its in-memory text).
 */
export class ProgressFilter {
  private pending = '';
  private committed = '';

  /** Add raw output. */
  push(raw: string): void {
    this.pending += raw;
  }

  /**
   * Filtered text that became final since the previous call: complete lines only, or everything when `final`.
   */
  take(final: boolean): string {
    let out = '';
    const nl = this.pending.lastIndexOf('\n');
    if (nl >= 0) {
      const complete = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      out = complete.split('\n').map((l) => applyLine(l, false)).join('\n') + '\n';
    }
    if (final && this.pending) {
      out += applyLine(this.pending, true);
      this.pending = '';
    }
    this.committed += out;
    return out;
  }

  /** All filtered output made final so far. */
  get text(): string {
    return this.committed;
  }
}
