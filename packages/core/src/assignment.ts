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
  const c = toWide(cost, rows, cols, transpose);
  for (let k = 0; k < c.length; k++) {
    // NaN and -Infinity both fail this comparison.
    if (!(c[k] > -Infinity)) {
      throw new RangeError('linearSumAssignment: matrix contains invalid numeric entries (NaN or -Infinity)');
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

/** The cost matrix as float64 with rows <= cols: the input itself when possible, else a (transposed) copy. */
function toWide(cost: ArrayLike<number>, rows: number, cols: number, transpose: boolean): Float64Array {
  if (!transpose) return cost instanceof Float64Array ? cost : Float64Array.from(cost);
  // Reused between calls: allocating (and zeroing) ~1 MB per call cost as much as the solve itself.
  if (transposeScratch.length < rows * cols) transposeScratch = new Float64Array(rows * cols);
  const c = transposeScratch.subarray(0, rows * cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) c[j * rows + i] = cost[base + j];
  }
  return c;
}

let transposeScratch = new Float64Array(0);

/** Solves a wide problem (`nr <= nc`); returns the column of every row. */
function solve(c: Float64Array, nr: number, nc: number): Int32Array {
  const u = new Float64Array(nr);
  const v = new Float64Array(nc);
  const shortest = new Float64Array(nc);
  const path = new Int32Array(nc).fill(-1);
  const col4row = new Int32Array(nr).fill(-1);
  const row4col = new Int32Array(nc).fill(-1);
  const inSR = new Uint8Array(nr);
  /** Columns scanned (the set SC) of the current search, in the order they were reached. */
  const visited = new Int32Array(nc);
  const remaining = new Int32Array(nc);

  for (let curRow = 0; curRow < nr; curRow++) {
    // --- shortest augmenting path from curRow (Dijkstra on reduced costs) ---
    let minVal = 0;
    let numRemaining = nc;
    inSR.fill(0);
    let numVisited = 0;
    let sink = -1;
    let i = curRow;
    inSR[i] = 1;

    // First scan, from curRow over every column. Columns are visited in reverse order (as scipy: a
    // constant cost matrix then yields the identity). Most rows end here, at a free column; only the
    // minimum is needed for that, so distances are written out only when the search must go on.
    let index = -1;
    let lowest = Infinity;
    const base0 = i * nc;
    const u0 = u[i];
    for (let it = 0; it < nc; it++) {
      const j = nc - 1 - it;
      const r = c[base0 + j] - u0 - v[j];
      if (r < lowest || (r === lowest && row4col[j] === -1)) {
        lowest = r;
        index = it;
      }
    }
    if (lowest === Infinity) throw new InfeasibleAssignmentError();
    const first = nc - 1 - index;
    if (row4col[first] === -1) {
      sink = first;
      minVal = lowest;
      path[first] = curRow;
      shortest[first] = lowest;
      visited[numVisited++] = first;
    } else {
      for (let it = 0; it < nc; it++) {
        const j = nc - 1 - it;
        remaining[it] = j;
        shortest[j] = c[base0 + j] - u0 - v[j];
        path[j] = curRow;
      }
    }
    while (sink === -1) {
      minVal = lowest;
      if (minVal === Infinity) throw new InfeasibleAssignmentError();
      const j = remaining[index];
      visited[numVisited++] = j;
      remaining[index] = remaining[--numRemaining];
      if (row4col[j] === -1) {
        sink = j;
        break;
      }
      i = row4col[j];
      index = -1;
      lowest = Infinity;
      inSR[i] = 1;
      const base = i * nc;
      const ui = u[i];
      for (let it = 0; it < numRemaining; it++) {
        const jj = remaining[it];
        const r = minVal + c[base + jj] - ui - v[jj];
        let sj = shortest[jj];
        if (r < sj) {
          path[jj] = i;
          shortest[jj] = r;
          sj = r;
        }
        // Take the smallest; on ties prefer a free column (ends the search sooner).
        if (sj < lowest || (sj === lowest && row4col[jj] === -1)) {
          lowest = sj;
          index = it;
        }
      }
    }

    // --- update the dual variables ---
    u[curRow] += minVal;
    for (let r = 0; r < nr; r++) {
      if (inSR[r] && r !== curRow) u[r] += minVal - shortest[col4row[r]];
    }
    for (let k = 0; k < numVisited; k++) {
      const j = visited[k];
      v[j] -= minVal - shortest[j];
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
