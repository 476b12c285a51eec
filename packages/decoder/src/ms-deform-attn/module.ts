/**
 * `MSDeformAttn` (Deformable-DETR `models/ops/modules/ms_deform_attn.py`): sampling offsets and attention
 * weights predicted from the query, a value projection, the multi-scale deformable sampling, an output
 * projection. Parameter names and initialisation are the official ones.
 */
import { Linear, Module, tf, xavierUniform } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { levelLayout, msDeformAttn, type MsdaImplementation } from './op';

export interface MSDeformAttnOptions {
  readonly dModel?: number;
  readonly nLevels?: number;
  readonly nHeads?: number;
  readonly nPoints?: number;
  readonly seed?: number;
}

/** The official `sampling_offsets.bias` init: per head a direction on the unit square, scaled by point index. */
function gridInit(M: number, L: number, P: number): Float32Array {
  const out = new Float32Array(M * L * P * 2);
  for (let m = 0; m < M; m++) {
    const theta = Math.fround(m * Math.fround((2 * Math.PI) / M));
    const c = Math.fround(Math.cos(theta));
    const s = Math.fround(Math.sin(theta));
    const norm = Math.max(Math.abs(c), Math.abs(s));
    for (let l = 0; l < L; l++)
      for (let p = 0; p < P; p++) {
        const i = ((m * L + l) * P + p) * 2;
        out[i] = Math.fround(c / norm) * (p + 1);
        out[i + 1] = Math.fround(s / norm) * (p + 1);
      }
  }
  return out;
}

export class MSDeformAttn extends Module {
  readonly dModel: number;
  readonly nLevels: number;
  readonly nHeads: number;
  readonly nPoints: number;
  readonly sampling_offsets: Linear;
  readonly attention_weights: Linear;
  readonly value_proj: Linear;
  readonly output_proj: Linear;
  /** Which implementation of the core op to use (`auto`: kernels where registered). */
  implementation: MsdaImplementation = 'auto';

  constructor({ dModel = 256, nLevels = 4, nHeads = 8, nPoints = 4, seed }: MSDeformAttnOptions = {}) {
    super();
    if (dModel % nHeads !== 0) throw new Error(`MSDeformAttn: d_model ${dModel} must be divisible by n_heads ${nHeads}`);
    this.dModel = dModel;
    this.nLevels = nLevels;
    this.nHeads = nHeads;
    this.nPoints = nPoints;
    const mlp = nHeads * nLevels * nPoints;
    this.sampling_offsets = this.module(
      'sampling_offsets',
      new Linear(dModel, mlp * 2, { weight: tf.zeros([dModel, mlp * 2]), bias: tf.tensor1d(gridInit(nHeads, nLevels, nPoints)) }),
    );
    this.attention_weights = this.module('attention_weights', new Linear(dModel, mlp, { weight: tf.zeros([dModel, mlp]), bias: tf.zeros([mlp]) }));
    this.value_proj = this.module('value_proj', new Linear(dModel, dModel, { weight: xavierUniform([dModel, dModel], 1, seed), bias: tf.zeros([dModel]) }));
    this.output_proj = this.module(
      'output_proj',
      new Linear(dModel, dModel, { weight: xavierUniform([dModel, dModel], 1, seed === undefined ? undefined : seed + 1), bias: tf.zeros([dModel]) }),
    );
  }

  /**
   * @param query `[N,Lq,C]`
   * @param referencePoints `[N,Lq,L,2]` normalised (x,y), or `[N,Lq,L,4]` (cx,cy,w,h)
   * @param inputFlatten `[N,S,C]`
   * @param paddingMask `[N,S]`, 1 (or true) on padding positions, whose values are zeroed
   */
  forward(
    query: Tensor,
    referencePoints: Tensor,
    inputFlatten: Tensor,
    spatialShapes: ReadonlyArray<readonly [number, number]> | Tensor,
    levelStartIndex?: readonly number[] | Tensor,
    paddingMask?: Tensor | null,
  ): Tensor {
    const layout = levelLayout(spatialShapes, levelStartIndex);
    const shapes = Array.from({ length: layout.starts.length }, (_, l) => [layout.shapes[2 * l], layout.shapes[2 * l + 1]] as [number, number]);
    return tf.tidy(() => {
      const [N, Lq] = query.shape;
      const S = inputFlatten.shape[1] as number;
      const M = this.nHeads;
      const L = this.nLevels;
      const P = this.nPoints;
      let value = this.value_proj.forward(inputFlatten);
      if (paddingMask) value = tf.mul(value, tf.expandDims(tf.sub(1, tf.cast(paddingMask, 'float32')), -1));
      value = tf.reshape(value, [N, S, M, this.dModel / M]);
      const offsets = tf.reshape(this.sampling_offsets.forward(query), [N, Lq, M, L, P, 2]);
      const attn = tf.reshape(tf.softmax(tf.reshape(this.attention_weights.forward(query), [N, Lq, M, L * P]), -1), [N, Lq, M, L, P]);
      let locations: Tensor;
      const refDim = referencePoints.shape[referencePoints.rank - 1];
      if (refDim === 2) {
        const normalizer = tf.reshape(tf.tensor2d(shapes.map(([h, w]) => [w, h])), [1, 1, 1, L, 1, 2]);
        locations = tf.add(tf.reshape(referencePoints, [N, Lq, 1, L, 1, 2]), tf.div(offsets, normalizer));
      } else if (refDim === 4) {
        const ref = tf.reshape(referencePoints, [N, Lq, 1, L, 1, 4]);
        const xy = tf.slice(ref, [0, 0, 0, 0, 0, 0], [-1, -1, -1, -1, -1, 2]);
        const wh = tf.slice(ref, [0, 0, 0, 0, 0, 2], [-1, -1, -1, -1, -1, 2]);
        locations = tf.add(xy, tf.mul(tf.mul(tf.div(offsets, P), wh), 0.5));
      } else {
        throw new Error(`MSDeformAttn: reference points must end in 2 or 4, got [${referencePoints.shape}]`);
      }
      const out = msDeformAttn(value, shapes, layout.starts, locations, attn, this.implementation);
      return this.output_proj.forward(out);
    });
  }
}
