/**
 * The hand-written forward and backward kernels of multi-scale deformable attention on flat float32
 * arrays, shared by the cpu and wasm backends (each passes its own memory). Semantics: torch
 * `grid_sample(bilinear, zeros, align_corners=False)` as called by Deformable-DETR — pixel coordinates
 * px = x·W − 0.5, py = y·H − 0.5; the four neighbours of (px, py), those outside the map contribute 0
 * and receive no gradient; weights are not renormalised.
 *
 * Layouts (PyTorch's): value [N,S,M,D], locations [N,Lq,M,L,P,2] (x,y), weights [N,Lq,M,L,P],
 * output [N,Lq,M·D]. Sums are accumulated in float64 (JS numbers) and stored as float32.
 */
import type { MsdaDims } from './geometry';

export function msdaForward(value: Float32Array, loc: Float32Array, attn: Float32Array, g: MsdaDims, out: Float32Array): void {
  const { N, S, M, D, Lq, L, P, shapes, starts } = g;
  const acc = new Float64Array(D);
  for (let n = 0; n < N; n++) {
    for (let q = 0; q < Lq; q++) {
      for (let m = 0; m < M; m++) {
        acc.fill(0);
        const sampleBase = ((n * Lq + q) * M + m) * L * P;
        for (let l = 0; l < L; l++) {
          const H = shapes[2 * l];
          const W = shapes[2 * l + 1];
          const levelBase = (n * S + starts[l]) * M + m; // (row index)·M + m, row = start + y·W + x
          for (let p = 0; p < P; p++) {
            const s = sampleBase + l * P + p;
            const a = attn[s];
            const px = loc[2 * s] * W - 0.5;
            const py = loc[2 * s + 1] * H - 0.5;
            const x0 = Math.floor(px);
            const y0 = Math.floor(py);
            const fx = px - x0;
            const fy = py - y0;
            for (let k = 0; k < 4; k++) {
              const x = x0 + (k & 1);
              const y = y0 + (k >> 1);
              if (x < 0 || x >= W || y < 0 || y >= H) continue;
              const w = a * ((k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy));
              const v = (levelBase + (y * W + x) * M) * D;
              for (let d = 0; d < D; d++) acc[d] += w * value[v + d];
            }
          }
        }
        const o = ((n * Lq + q) * M + m) * D;
        for (let d = 0; d < D; d++) out[o + d] = acc[d];
      }
    }
  }
}

/** Gradients of ⟨output, dy⟩ w.r.t. value, locations and weights (outputs must be zero-filled). */
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
  const { N, S, M, D, Lq, L, P, shapes, starts } = g;
  const vIdx = new Int32Array(4);
  for (let n = 0; n < N; n++) {
    for (let q = 0; q < Lq; q++) {
      for (let m = 0; m < M; m++) {
        const o = ((n * Lq + q) * M + m) * D;
        const sampleBase = ((n * Lq + q) * M + m) * L * P;
        for (let l = 0; l < L; l++) {
          const H = shapes[2 * l];
          const W = shapes[2 * l + 1];
          const levelBase = (n * S + starts[l]) * M + m;
          for (let p = 0; p < P; p++) {
            const s = sampleBase + l * P + p;
            const a = attn[s];
            const px = loc[2 * s] * W - 0.5;
            const py = loc[2 * s + 1] * H - 0.5;
            const x0 = Math.floor(px);
            const y0 = Math.floor(py);
            const fx = px - x0;
            const fy = py - y0;
            for (let k = 0; k < 4; k++) {
              const x = x0 + (k & 1);
              const y = y0 + (k >> 1);
              vIdx[k] = x < 0 || x >= W || y < 0 || y >= H ? -1 : (levelBase + (y * W + x) * M) * D;
            }
            const [i00, i01, i10, i11] = vIdx; // (y0,x0) (y0,x0+1) (y0+1,x0) (y0+1,x0+1)
            const w00 = (1 - fx) * (1 - fy);
            const w01 = fx * (1 - fy);
            const w10 = (1 - fx) * fy;
            const w11 = fx * fy;
            let gA = 0;
            let gX = 0;
            let gY = 0;
            for (let d = 0; d < D; d++) {
              const g0 = dy[o + d];
              const v00 = i00 >= 0 ? value[i00 + d] : 0;
              const v01 = i01 >= 0 ? value[i01 + d] : 0;
              const v10 = i10 >= 0 ? value[i10 + d] : 0;
              const v11 = i11 >= 0 ? value[i11 + d] : 0;
              gA += g0 * (w00 * v00 + w01 * v01 + w10 * v10 + w11 * v11);
              gX += g0 * ((1 - fy) * (v01 - v00) + fy * (v11 - v10));
              gY += g0 * ((1 - fx) * (v10 - v00) + fx * (v11 - v01));
              const ag = a * g0;
              if (i00 >= 0) gValue[i00 + d] += ag * w00;
              if (i01 >= 0) gValue[i01 + d] += ag * w01;
              if (i10 >= 0) gValue[i10 + d] += ag * w10;
              if (i11 >= 0) gValue[i11 + d] += ag * w11;
            }
            gAttn[s] = gA;
            gLoc[2 * s] = a * W * gX;
            gLoc[2 * s + 1] = a * H * gY;
          }
        }
      }
    }
  }
}
