/**
 * `nn.MultiheadAttention` (as wrapped by mmcv: `attn.in_proj_weight`, `attn.in_proj_bias`,
 * `attn.out_proj.*`), batch-first, with an optional boolean attention mask (true = not allowed).
 */
import { Linear, Module, tf, xavierUniform } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

export class MultiheadAttention extends Module {
  readonly in_proj_weight: Variable;
  readonly in_proj_bias: Variable;
  readonly out_proj: Linear;
  constructor(
    readonly dim: number,
    readonly numHeads: number,
  ) {
    super();
    this.in_proj_weight = this.param('in_proj_weight', xavierUniform([dim, 3 * dim]), 'linear');
    this.in_proj_bias = this.param('in_proj_bias', tf.zeros([3 * dim]));
    this.out_proj = this.module('out_proj', new Linear(dim, dim, { bias: tf.zeros([dim]) }));
  }

  /**
   * `q`, `k`, `v` `[B,N,d]` (N may differ for k/v); `mask` `[Nq,Nk]` bool, true where attention is not
   * allowed; `keyPadding` `[B,Nk]` (1 = padding key, never attended).
   */
  forward(q: Tensor, k: Tensor, v: Tensor, mask?: Tensor | null, keyPadding?: Tensor | null): Tensor {
    return tf.tidy(() => {
      const d = this.dim;
      const h = this.numHeads;
      const [B, Nq] = q.shape as [number, number, number];
      const Nk = k.shape[1] as number;
      const [wq, wk, wv] = tf.split(this.in_proj_weight, 3, 1);
      const [bq, bk, bv] = tf.split(this.in_proj_bias, 3, 0);
      const proj = (x: Tensor, w: Tensor, b: Tensor, n: number) =>
        tf.transpose(tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, d]), w), b), [B, n, h, d / h]), [0, 2, 1, 3]);
      const qh = proj(q, wq, bq, Nq);
      const kh = proj(k, wk, bk, Nk);
      const vh = proj(v, wv, bv, Nk);
      let scores = tf.mul(tf.matMul(qh, kh, false, true), (d / h) ** -0.5); // [B,h,Nq,Nk]
      if (mask) scores = tf.where(tf.broadcastTo(tf.reshape(tf.cast(mask, 'bool'), [1, 1, Nq, Nk]), scores.shape), tf.fill(scores.shape, -1e9), scores);
      if (keyPadding)
        scores = tf.where(tf.broadcastTo(tf.reshape(tf.cast(keyPadding, 'bool'), [B, 1, 1, Nk]), scores.shape), tf.fill(scores.shape, -1e9), scores);
      const out = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores, -1), vh), [0, 2, 1, 3]), [B, Nq, d]);
      return this.out_proj.forward(out);
    });
  }
}

/** mmcv's wrapper module (`self_attn.attn.*`). */
export class SelfAttention extends Module {
  readonly attn: MultiheadAttention;
  constructor(dim: number, numHeads: number) {
    super();
    this.attn = this.module('attn', new MultiheadAttention(dim, numHeads));
  }
}
