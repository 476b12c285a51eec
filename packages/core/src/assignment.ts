/**
 * Optimal rectangular linear assignment with scipy's `linear_sum_assignment` semantics: minimises the
 * total cost, assigns `min(rows, cols)` pairs, returns row indices sorted ascending with their columns.
 * `+Infinity` marks a forbidden pair; NaN or `-Infinity` are errors, as in scipy.
 *
 * The algorithm is the shortest augmenting path method (Jonker–Volgenant as described by Crouse, 2016,
 * "On implementing 2D rectangular assignment algorithms"), which scipy also uses; with the same search
 * order and tie rules it also picks the same solution among equal-cost ones. A wide problem
 * (`rows <= cols`) is solved directly; a tall one on its transpose. The hot path (every decoder layer,
 * every image, 900×G costs) allocates only its working arrays.
 */

export interface Assignment {
  /** Assigned rows, ascending. */
  readonly rows: Int32Array;
  /** `cols[k]` is the column assigned to `rows[k]`. */
  readonly cols: Int32Array;
}

export class InfeasibleAssignmentError extends Error {
  constructor(message = 'cost matrix is infeasible') {
    super(message);
    this.name = 'InfeasibleAssignmentError';
  }
}

/**
 * @param cost row-major `rows × cols` costs (any numeric array-like; copied to float64 internally)
 */
export function linearSumAssignment(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`linearSumAssignment: bad shape ${rows}×${cols}`);
  }
  if (cost.length !== rows * cols) {
    throw new RangeError(`linearSumAssignment: ${cost.length} costs for a ${rows}×${cols} matrix`);
  }
  if (rows === 0 || cols === 0) return { rows: new Int32Array(0), cols: new Int32Array(0) };

  const transpose = cols < rows;
  const nr = transpose ? cols : rows;
  const nc = transpose ? rows : cols;
  const c = new Float64Array(nr * nc);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = cost[i * cols + j];
      if (Number.isNaN(v) || v === -Infinity) {
        throw new RangeError('linearSumAssignment: matrix contains invalid numeric entries (NaN or -Infinity)');
      }
      if (transpose) c[j * nc + i] = v;
      else c[i * nc + j] = v;
    }
  }

  const col4row = solve(c, nr, nc);

  const outRows = new Int32Array(nr);
  const outCols = new Int32Array(nr);
  if (!transpose) {
    for (let i = 0; i < nr; i++) {
      outRows[i] = i;
      outCols[i] = col4row[i];
    }
  } else {
    // Rows of the original problem are the columns of the transposed one: sort by them.
    const order = Array.from({ length: nr }, (_, i) => i).sort((a, b) => col4row[a] - col4row[b]);
    for (let k = 0; k < nr; k++) {
      outRows[k] = col4row[order[k]];
      outCols[k] = order[k];
    }
  }
  return { rows: outRows, cols: outCols };
}

/** Solves a wide problem (`nr <= nc`); returns the column of every row. */
function solve(c: Float64Array, nr: number, nc: number): Int32Array {
  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const shortest = new Float64Array(nc);
  const path = new Int32Array(nc).fill(-1);
  const col4row = new Int32Array(nr).fill(-1);
  const row4col = new Int32Array(nc).fill(-1);
  const inSR = new Uint8Array(nr);
  const inSC = new Uint8Array(nc);
  const remaining = new Int32Array(nc);

  for (let curRow = 0; curRow < nr; curRow++) {
    // --- shortest augmenting path from curRow (Dijkstra on reduced costs) ---
    let minVal = 0;
    let numRemaining = nc;
    // Reverse order: a constant cost matrix then yields the identity assignment (as scipy).
    for (let it = 0; it < nc; it++) remaining[it] = nc - it - 1;
    inSR.fill(0);
    inSC.fill(0);
    shortest.fill(Infinity);
    let sink = -1;
    let i = curRow;
    while (sink === -1) {
      let index = -1;
      let lowest = Infinity;
      inSR[i] = 1;
      const base = i * nc;
      const ui = u[i];
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it];
        const r = minVal + c[base + j] - ui - v[j];
        if (r < shortest[j]) {
          path[j] = i;
          shortest[j] = r;
        }
        // Take the smallest; on ties prefer a free column (ends the search sooner).
        if (shortest[j] < lowest || (shortest[j] === lowest && row4col[j] === -1)) {
          lowest = shortest[j];
          index = it;
        }
      }
      minVal = lowest;
      if (minVal === Infinity) throw new InfeasibleAssignmentError();
      const j = remaining[index];
      if (row4col[j] === -1) sink = j;
      else i = row4col[j];
      inSC[j] = 1;
      remaining[index] = remaining[--numRemaining];
    }

    // --- update the dual variables ---
    u[curRow] += minVal;
    for (let r = 0; r < nr; r++) {
      if (inSR[r] && r !== curRow) u[r] += minVal - shortest[col4row[r]];
    }
    for (let j = 0; j < nc; j++) {
      if (inSC[j]) v[j] -= minVal - shortest[j];
    }

    // --- augment along the path ending at sink ---
    let j = sink;
    for (;;) {
      const r = path[j];
      row4col[j] = r;
      const prev = col4row[r];
      col4row[r] = j;
      j = prev;
      if (r === curRow) break;
    }
  }
  return col4row;
}

/** Total cost of an assignment (a convenience for tests and logs). */
export function assignmentCost(cost: ArrayLike<number>, cols: number, a: Assignment): number {
  let total = 0;
  for (let k = 0; k < a.rows.length; k++) total += cost[a.rows[k] * cols + a.cols[k]];
  return total;
}
