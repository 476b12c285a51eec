/**
 * linearSumAssignment on the training-time shapes (900 queries × G targets), next to scipy's
 * `linear_sum_assignment` timed in the same run when a Python with scipy is on this machine (a
 * development convenience; nothing depends on it).
 */
import { spawnSync } from 'node:child_process';
import { linearSumAssignment, medianSeconds } from '../src';

const SHAPES = [10, 50, 100, 300];
/** Recorded on the target machine when the issue was written (ms), used when scipy is absent. */
const SCIPY_RECORDED_MS: Record<number, number> = { 10: 0.03, 50: 0.15, 100: 0.33, 300: 1.5 };

function scipyMs(): Record<number, number> | null {
  const script = `
import time, numpy as np
from scipy.optimize import linear_sum_assignment
rng = np.random.default_rng(0)
out = {}
for g in ${JSON.stringify(SHAPES)}:
    c = rng.random((900, g))
    linear_sum_assignment(c)
    reps = 200 if g <= 100 else 40
    for _ in range(50): linear_sum_assignment(c)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); linear_sum_assignment(c); ts.append(time.perf_counter() - t0)
    out[g] = sorted(ts)[len(ts)//2] * 1e3
print(out)
`;
  const r = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return JSON.parse(
    r.stdout
      .trim()
      .replace(/'/g, '"')
      .replace(/(\d+):/g, '"$1":'),
  );
}

export function benchAssignment(): void {
  let seed = 1;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const scipy = scipyMs();
  const costs = new Map(SHAPES.map((g) => [g, Float64Array.from({ length: 900 * g }, rand)]));
  // Let the JIT reach its top tier on every shape before timing any of them.
  for (let k = 0; k < 300; k++) for (const g of SHAPES) linearSumAssignment(costs.get(g)!, 900, g);
  const rows: Array<Record<string, string | number>> = [];
  for (const g of SHAPES) {
    const cost = costs.get(g)!;
    const reps = g <= 100 ? 200 : 40;
    const ms = medianSeconds(() => linearSumAssignment(cost, 900, g), reps, 20) * 1e3;
    const ref = scipy ? scipy[g] : SCIPY_RECORDED_MS[g];
    rows.push({
      shape: `900×${g}`,
      'ours ms': +ms.toFixed(3),
      [`scipy ms (${scipy ? 'same run' : 'recorded'})`]: +ref.toFixed(3),
      'ours / scipy': +(ms / ref).toFixed(2),
    });
  }
  console.log('\nlinearSumAssignment vs scipy.optimize.linear_sum_assignment');
  console.table(rows);
}
