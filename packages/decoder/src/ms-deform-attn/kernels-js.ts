/**
 * The hand-written forward and backward kernels of multi-scale deformable attention on flat float32
 * arrays, shared by the cpu and wasm backends (each passes its own memory). Semantics: torch
 * `grid_sample(bilinear, zeros, align_corners=False)` as called by Deformable-DETR — pixel coordinates
 * px = x·W − 0.5, py = y·H − 0.5; the four neighbours of (px, py), those outside the map contribute 0
 * and receive no gradient; weights are not renormalised.
 *
 * Layouts (PyTorch's): value [N,S,M,D], locations [N,Lq,M,L,P,2] (x,y), weights [N,Lq,M,L,P],
 * output [N,Lq,M·D]. Sums are accumulated in float64 (JS numbers) and stored as float32.
 *
 * Where the time goes: the work is gathering 4 rows of D floats per sampling point from a value tensor
 * larger than the cache. The kernels therefore first copy value to [N,M,S,D] and loop over (n, m)
 * outermost, so that one head's maps (S·D floats, ~700 KB at the paper size) stay in cache while every
 * query samples them; the value gradient is scattered into the same layout and transposed back once.
 */
import type { MsdaDims } from './geometry';
import { scratch } from './scratch';

/** [N,S,M,D] ↔ [N,M,S,D] (the same function both ways with `back`). */
export function swapSM(src: Float32Array, dst: Float32Array, N: number, S: number, M: number, D: number, back: boolean): void {
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++)
      for (let m = 0; m < M; m++) {
        const a = ((n * S + s) * M + m) * D; // [N,S,M,D]
        const b = ((n * M + m) * S + s) * D; // [N,M,S,D]
        if (back) for (let d = 0; d < D; d++) dst[a + d] = src[b + d];
        else for (let d = 0; d < D; d++) dst[b + d] = src[a + d];
      }
}

/**
 * The four bilinear neighbours of one sampling point on a level of size H×W whose rows start at
 * element `base` of a [S,D] block: element offsets in `idx` (a valid dummy row where the neighbour is
 * outside the map) and in-map flags in `inside`; returns nothing, fractions in `frac`.
 * Order: (y0,x0), (y0,x0+1), (y0+1,x0), (y0+1,x0+1).
 */
export function neighbours(
  x: number,
  y: number,
  H: number,
  W: number,
  base: number,
  D: number,
  idx: Int32Array,
  inside: Float64Array,
  frac: Float64Array,
): void {
  const px = x * W - 0.5;
  const py = y * H - 0.5;
  const x0 = Math.floor(px);
  const y0 = Math.floor(py);
  frac[0] = px - x0;
  frac[1] = py - y0;
  for (let k = 0; k < 4; k++) {
    const xi = x0 + (k & 1);
    const yi = y0 + (k >> 1);
    const ok = xi >= 0 && xi < W && yi >= 0 && yi < H;
    idx[k] = ok ? base + (yi * W + xi) * D : base;
    inside[k] = ok ? 1 : 0;
  }
}

/**
 * Forward over the (n, m) blocks `[b0, b1)` (block = n·M + m) of value already in [N,M,S,D] layout.
 * Blocks write disjoint parts of `out`, so they can run on different threads.
 */
export function msdaForwardBlocks(v: Float32Array, loc: Float32Array, attn: Float32Array, g: MsdaDims, out: Float32Array, b0: number, b1: number): void {
  const { S, M, D, Lq, L, P, shapes, starts } = g;
  const acc = new Float64Array(D);
  const idx = new Int32Array(4);
  const inside = new Float64Array(4);
  const frac = new Float64Array(2);
  for (let b = b0; b < b1; b++) {
    const n = Math.floor(b / M);
    const m = b - n * M;
    const block = b * S * D;
    for (let q = 0; q < Lq; q++) {
      acc.fill(0);
      const sampleBase = ((n * Lq + q) * M + m) * L * P;
      for (let l = 0; l < L; l++) {
        const H = shapes[2 * l];
        const W = shapes[2 * l + 1];
        const base = block + starts[l] * D;
        for (let p = 0; p < P; p++) {
          const s = sampleBase + l * P + p;
          const a = attn[s];
          neighbours(loc[2 * s], loc[2 * s + 1], H, W, base, D, idx, inside, frac);
          const fx = frac[0];
          const fy = frac[1];
          const w00 = a * inside[0] * (1 - fx) * (1 - fy);
          const w01 = a * inside[1] * fx * (1 - fy);
          const w10 = a * inside[2] * (1 - fx) * fy;
          const w11 = a * inside[3] * fx * fy;
          const i00 = idx[0],
            i01 = idx[1],
            i10 = idx[2],
            i11 = idx[3];
          for (let d = 0; d < D; d++) {
            acc[d] += w00 * v[i00 + d] + w01 * v[i01 + d] + w10 * v[i10 + d] + w11 * v[i11 + d];
          }
        }
      }
      const o = ((n * Lq + q) * M + m) * D;
      for (let d = 0; d < D; d++) out[o + d] = acc[d];
    }
  }
}

/**
 * Gradients over the blocks `[b0, b1)`: `gv` in [N,M,S,D] layout (zero-filled), `gLoc`, `gAttn` as the
 * inputs. Blocks touch disjoint parts of every output.
 */
export function msdaBackwardBlocks(
  dy: Float32Array,
  v: Float32Array,
  loc: Float32Array,
  attn: Float32Array,
  g: MsdaDims,
  gv: Float32Array,
  gLoc: Float32Array,
  gAttn: Float32Array,
  b0: number,
  b1: number,
): void {
  const { S, M, D, Lq, L, P, shapes, starts } = g;
  const idx = new Int32Array(4);
  const inside = new Float64Array(4);
  const frac = new Float64Array(2);
  for (let b = b0; b < b1; b++) {
    const n = Math.floor(b / M);
    const m = b - n * M;
    const block = b * S * D;
    for (let q = 0; q < Lq; q++) {
      const o = ((n * Lq + q) * M + m) * D;
      const sampleBase = ((n * Lq + q) * M + m) * L * P;
      for (let l = 0; l < L; l++) {
        const H = shapes[2 * l];
        const W = shapes[2 * l + 1];
        const base = block + starts[l] * D;
        for (let p = 0; p < P; p++) {
          const s = sampleBase + l * P + p;
          const a = attn[s];
          neighbours(loc[2 * s], loc[2 * s + 1], H, W, base, D, idx, inside, frac);
          const i00 = idx[0],
            i01 = idx[1],
            i10 = idx[2],
            i11 = idx[3];
          const m00 = inside[0],
            m01 = inside[1],
            m10 = inside[2],
            m11 = inside[3];
          const fx = frac[0];
          const fy = frac[1];
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          // scatter weights: zero for neighbours outside the map (their dummy row receives +0)
          const s00 = a * m00 * w00,
            s01 = a * m01 * w01,
            s10 = a * m10 * w10,
            s11 = a * m11 * w11;
          let gA = 0;
          let gX = 0;
          let gY = 0;
          for (let d = 0; d < D; d++) {
            const g0 = dy[o + d];
            const v00 = m00 * v[i00 + d];
            const v01 = m01 * v[i01 + d];
            const v10 = m10 * v[i10 + d];
            const v11 = m11 * v[i11 + d];
            gA += g0 * (w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11);
            gX += g0 * ((1 - fy) * (v01 - v00) + fy * (v11 - v10));
            gY += g0 * ((1 - fx) * (v10 - v00) + fx * (v11 - v01));
            gv[i00 + d] += s00 * g0;
            gv[i01 + d] += s01 * g0;
            gv[i10 + d] += s10 * g0;
            gv[i11 + d] += s11 * g0;
          }
          gAttn[s] = gA;
          gLoc[2 * s] = a * W * gX;
          gLoc[2 * s + 1] = a * H * gY;
        }
      }
    }
  }
}

/** Single-threaded forward on PyTorch layouts. */
export function msdaForward(value: Float32Array, loc: Float32Array, attn: Float32Array, g: MsdaDims, out: Float32Array): void {
  const v = scratch('value', value.length);
  swapSM(value, v, g.N, g.S, g.M, g.D, false);
  msdaForwardBlocks(v, loc, attn, g, out, 0, g.N * g.M);
}

/** Single-threaded backward on PyTorch layouts (outputs zero-filled). */
export function msdaBackward(
  dy: Float32Array,
  value: Float32Array,
  loc: Float32Array,
  attn: Float32Array,
  g: MsdaDims,
  gValue: Float32Array,
  gLoc: Float32Array,
  gAttn: Float32Array,
): void {
  const v = scratch('value', value.length);
  swapSM(value, v, g.N, g.S, g.M, g.D, false);
  const gv = scratch('gradValue', value.length, true);
  msdaBackwardBlocks(dy, v, loc, attn, g, gv, gLoc, gAttn, 0, g.N * g.M);
  swapSM(gv, gValue, g.N, g.S, g.M, g.D, true);
}
