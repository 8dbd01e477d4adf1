import { createInterface } from 'node:readline/promises';

/**
 * Ask on the terminal before `exp runs rm/delete` deletes runs (`[y/N]`, on stderr). Without a terminal
 * (scripts, CI) nothing is asked and the answer is no: pass `--yes` there.
 */
export async function confirmDelete(ids: readonly string[], input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<boolean> {
  if (!input.isTTY) return false;
  const rl = createInterface({ input, output: process.stderr });
  try {
    const answer = await rl.question(`delete run(s) ${ids.join(', ')} with their metrics and artifacts? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
