/**
 * DINOv2's `interpolate_pos_encoding`: the learned patch position grid (M×M) resized to the input's
 * patch grid (h×w) with PyTorch's bicubic `F.interpolate(align_corners=False)`, plain or antialiased,
 * and the `interpolate_offset` behaviour of the official code. `tf.image.resizeBicubic` matches neither,
 * so the separable interpolation is written as two small matrices (rows, then columns) applied with
 * matmuls: differentiable, and exact to float32.
 */
import { tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export interface InterpolationFlags {
  readonly antialias: boolean;
  /** 0: `size=(h, w)`; otherwise `scale_factor=((h+off)/M, (w+off)/M)` (official default 0.1). */
  readonly offset: number;
}

/** Keys cubic convolution kernel with coefficient `a`. */
function cubic(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/**
 * `[nOut × nIn]` weights of one axis. `scale` = in/out as PyTorch computes it (size mode: nIn/nOut;
 * scale_factor mode: 1/scale_factor).
 */
export function resizeMatrix(nIn: number, nOut: number, scale: number, antialias: boolean): Float64Array {
  const m = new Float64Array(nOut * nIn);
  for (let i = 0; i < nOut; i++) {
    if (!antialias) {
      // upsample_bicubic2d: src = scale·(i + 0.5) − 0.5, taps f−1..f+2 clamped to the border, a = −0.75
      const src = scale * (i + 0.5) - 0.5;
      const f = Math.floor(src);
      const t = src - f;
      for (let k = -1; k <= 2; k++) {
        const j = Math.min(Math.max(f + k, 0), nIn - 1);
        m[i * nIn + j] += cubic(t - k, -0.75);
      }
    } else {
      // PIL-style antialiased filter (PyTorch `_upsample_bicubic2d_aa`): a = −0.5, support 2σ, normalised
      const sigma = Math.max(scale, 1);
      const centre = scale * (i + 0.5);
      const lo = Math.max(Math.trunc(centre - 2 * sigma + 0.5), 0);
      const hi = Math.min(Math.trunc(centre + 2 * sigma + 0.5), nIn);
      let total = 0;
      for (let j = lo; j < hi; j++) total += cubic((j - centre + 0.5) / sigma, -0.5);
      for (let j = lo; j < hi; j++) m[i * nIn + j] = cubic((j - centre + 0.5) / sigma, -0.5) / (total || 1);
    }
  }
  return m;
}

/**
 * @param posEmbed `[1, 1 + M·M, D]` (cls entry first, then the M×M grid row-major)
 * @param inputH, inputW input size in pixels; the grid becomes (H/patch)×(W/patch)
 */
export function interpolatePosEncoding(posEmbed: Tensor, inputH: number, inputW: number, patchSize: number, flags: InterpolationFlags): Tensor {
  const [, total, D] = posEmbed.shape as [number, number, number];
  const N = total - 1;
  const M = Math.round(Math.sqrt(N));
  if (M * M !== N) throw new Error(`pos_embed has ${N} patch entries, not a square grid`);
  const h = Math.floor(inputH / patchSize);
  const w = Math.floor(inputW / patchSize);
  if (h * w === N && inputH === inputW) return posEmbed.clone();
  const scaleH = flags.offset ? M / (h + flags.offset) : M / h;
  const scaleW = flags.offset ? M / (w + flags.offset) : M / w;
  const rh = resizeMatrix(M, h, scaleH, flags.antialias);
  const rw = resizeMatrix(M, w, scaleW, flags.antialias);
  return tf.tidy(() => {
    const cls = tf.slice(posEmbed, [0, 0, 0], [1, 1, D]);
    const grid = tf.reshape(tf.slice(posEmbed, [0, 1, 0], [1, N, D]), [M, M * D]); // [rows, cols·D]
    const rows = tf.reshape(tf.matMul(tf.tensor2d(Float32Array.from(rh), [h, M]), grid), [h, M, D]);
    const cols = tf.reshape(tf.transpose(rows, [1, 0, 2]), [M, h * D]); // [cols, h·D]
    const both = tf.reshape(tf.matMul(tf.tensor2d(Float32Array.from(rw), [w, M]), cols), [w, h, D]);
    const patches = tf.reshape(tf.transpose(both, [1, 0, 2]), [1, h * w, D]);
    return tf.concat([cls, patches], 1);
  });
}
