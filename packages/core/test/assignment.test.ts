import { assignmentCost, InfeasibleAssignmentError, linearSumAssignment } from '../src/assignment';

/** Minimum total cost over every injective map of the smaller side into the larger (brute force). */
function bruteForce(cost: number[], rows: number, cols: number): number {
  const k = Math.min(rows, cols);
  let best = Infinity;
  const used = new Array(Math.max(rows, cols)).fill(false);
  const tall = rows > cols;
  const rec = (i: number, acc: number): void => {
    if (i === k) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < (tall ? rows : cols); j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, acc + (tall ? cost[j * cols + i] : cost[i * cols + j]));
      used[j] = false;
    }
  };
  rec(0, 0);
  return best;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function checkValid(a: { rows: Int32Array; cols: Int32Array }, rows: number, cols: number): void {
  expect(a.rows.length).toBe(Math.min(rows, cols));
  for (let k = 1; k < a.rows.length; k++) expect(a.rows[k]).toBeGreaterThan(a.rows[k - 1]);
  expect(new Set(a.cols).size).toBe(a.cols.length);
  for (const c of a.cols) expect(c >= 0 && c < cols).toBe(true);
  for (const r of a.rows) expect(r >= 0 && r < rows).toBe(true);
}

describe('linearSumAssignment', () => {
  it('matches brute force on random square and rectangular matrices', () => {
    const r = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(r() * 6);
      const cols = 1 + Math.floor(r() * 6);
      const cost = Array.from({ length: rows * cols }, () => Math.round((r() * 20 - 10) * 1000) / 1000);
      const a = linearSumAssignment(cost, rows, cols);
      checkValid(a, rows, cols);
      expect(assignmentCost(cost, cols, a)).toBeCloseTo(bruteForce(cost, rows, cols), 9);
    }
  });

  it('is exact with many ties (small integer costs) and negative costs', () => {
    const r = rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(r() * 6);
      const cols = 1 + Math.floor(r() * 6);
      const cost = Array.from({ length: rows * cols }, () => Math.floor(r() * 3) - 1);
      const a = linearSumAssignment(cost, rows, cols);
      checkValid(a, rows, cols);
      expect(assignmentCost(cost, cols, a)).toBe(bruteForce(cost, rows, cols));
    }
  });

  it('gives the identity on a constant matrix and follows scipy on a known case', () => {
    const a = linearSumAssignment(new Array(9).fill(1), 3, 3);
    expect([...a.cols]).toEqual([0, 1, 2]);
    // scipy.optimize.linear_sum_assignment([[4,1,3],[2,0,5],[3,2,2]]) -> ([0,1,2],[1,0,2]), cost 5
    const b = linearSumAssignment([4, 1, 3, 2, 0, 5, 3, 2, 2], 3, 3);
    expect([...b.rows]).toEqual([0, 1, 2]);
    expect([...b.cols]).toEqual([1, 0, 2]);
    // tall: rows sorted, columns follow
    const c = linearSumAssignment([5, 1, 1, 5, 0, 9], 3, 2);
    expect([...c.rows]).toEqual([0, 2]);
    expect([...c.cols]).toEqual([1, 0]);
  });

  it('handles zero rows or columns', () => {
    for (const [r, c] of [
      [0, 0],
      [0, 5],
      [5, 0],
    ]) {
      const a = linearSumAssignment([], r, c);
      expect(a.rows.length).toBe(0);
      expect(a.cols.length).toBe(0);
    }
  });

  it('avoids forbidden (+Infinity) pairs and reports infeasible matrices', () => {
    const a = linearSumAssignment([Infinity, 1, 2, Infinity], 2, 2);
    expect([...a.cols]).toEqual([1, 0]);
    expect(() => linearSumAssignment([Infinity, Infinity, 1, 2], 2, 2)).toThrow(InfeasibleAssignmentError);
    expect(() => linearSumAssignment([NaN, 1, 2, 3], 2, 2)).toThrow(/invalid numeric entries/);
    expect(() => linearSumAssignment([1, 2, 3], 2, 2)).toThrow(/3 costs for a 2×2/);
  });

  it('solves 900×100 optimally against the dual bound (large case)', () => {
    // Costs c_ij = a_i + b_j + noise: optimality checked against brute force is impossible, so compare
    // with the transposed problem and with a greedy upper bound.
    const r = rng(3);
    const rows = 900;
    const cols = 100;
    const cost = Array.from({ length: rows * cols }, () => r());
    const a = linearSumAssignment(cost, rows, cols);
    checkValid(a, rows, cols);
    const t = new Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = cost[i * cols + j];
    const b = linearSumAssignment(t, cols, rows);
    expect(assignmentCost(cost, cols, a)).toBeCloseTo(assignmentCost(t, rows, b), 9);
    // greedy per column is an upper bound
    const used = new Set<number>();
    let greedy = 0;
    for (let j = 0; j < cols; j++) {
      let best = -1;
      for (let i = 0; i < rows; i++) if (!used.has(i) && (best < 0 || cost[i * cols + j] < cost[best * cols + j])) best = i;
      used.add(best);
      greedy += cost[best * cols + j];
    }
    expect(assignmentCost(cost, cols, a)).toBeLessThanOrEqual(greedy + 1e-12);
  });
});
