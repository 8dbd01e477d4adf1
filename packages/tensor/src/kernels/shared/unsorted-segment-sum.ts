/** out[s, ...] = sum of x[i, ...] over the i with ids[i] = s; ids outside [0, numSegments) are dropped. */
export function unsortedSegmentSumInto(
  x: ArrayLike<number>, ids: ArrayLike<number>, inner: number, numSegments: number, out: { [i: number]: number; fill(v: number): unknown },
): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j]!;
  }
}

/** Output shape and inner size; asserts that the ids' shape is a prefix of x's shape. */
export function segmentGeometry(xShape: number[], idsShape: number[], numSegments: number): { outShape: number[]; inner: number } {
  const innerShape = xShape.slice(idsShape.length);
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const prefixOk = idsShape.every((d, i) => d === xShape[i]);
  if (!prefixOk) throw new Error(`UnsortedSegmentSum: segmentIds shape [${idsShape}] must be a prefix of x shape [${xShape}]`);
  return { outShape: [numSegments, ...innerShape], inner };
}
