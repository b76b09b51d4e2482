/**
 * The list of detectors a scan will try: each marked once as its keywords turn up, then put
 * back in detector order (shared by the whole-text scan and the in-progress hold search).
 */

/** Marks detector di to be tried (once); returns the new length of the list. */
export function enlist(run: Uint8Array, todo: Int32Array, n: number, di: number): number {
  if (run[di] !== 0) return n;
  run[di] = 1;
  todo[n] = di;
  return n + 1;
}

/** Sorts a[0, n) ascending (insertion sort: the lists are a few detectors long). */
export function sortSmall(a: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}
