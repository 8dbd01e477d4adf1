/**
 * Maps `items` through `work` with at most `concurrency` calls in flight, keeping the input order in the result.
 * `onDone` runs after each item, in completion order, with the number finished so far. The first rejection
 * stops new work and is rethrown once the calls in flight have settled.
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  onDone?: (done: number, total: number, result: R, item: T) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
        return;
      }
      onDone?.(++done, items.length, results[index]!, items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  if (failure) throw failure.error;
  return results;
}
