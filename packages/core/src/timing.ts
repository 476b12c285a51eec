/**
 * Benchmark timing: the median wall time of `f` over `reps` runs after `warmup` runs (JIT tiers and
 * lazily compiled kernels settle during the warm-up). Used by every package's `npm run bench`.
 */
export function medianSeconds(f: () => void, reps = 5, warmup = 2): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
