/**
 * The DINOv2 transformer block (`dinov2/layers/block.py`) and its parts: pre-norm attention and FFN
 * with LayerScale, exact-erf GELU MLP or SwiGLU. LayerNorm eps 1e-6 as the official models.
 */
import { LayerNorm, Linear, Module, tf } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

export class LayerScale extends Module {
  readonly gamma: Variable;
  constructor(dim: number, initValues: number) {
    super();
    this.gamma = this.param('gamma', tf.fill([dim], initValues));
  }
  forward(x: Tensor): Tensor {
    return tf.mul(x, this.gamma);
  }
}

/** Multi-head self-attention with fused `qkv` (rows: q, then k, then v; head-major inside each). */
export class Attention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  constructor(
    readonly dim: number,
    readonly numHeads: number,
    qkvBias = true,
    projBias = true,
  ) {
    super();
    this.qkv = this.module('qkv', new Linear(dim, dim * 3, {}, qkvBias));
    this.proj = this.module('proj', new Linear(dim, dim, {}, projBias));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [B, N, C] = x.shape as [number, number, number];
      const hd = C / this.numHeads;
      const qkv = tf.transpose(tf.reshape(this.qkv.forward(x), [B, N, 3, this.numHeads, hd]), [2, 0, 3, 1, 4]); // [3,B,h,N,hd]
      const [q, k, v] = tf.unstack(qkv, 0);
      const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), hd ** -0.5), -1);
      const out = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [B, N, C]);
      return this.proj.forward(out);
    });
  }
}

/** Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: Tensor): Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

export class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(dim: number, hidden: number, bias = true) {
    super();
    this.fc1 = this.module('fc1', new Linear(dim, hidden, {}, bias));
    this.fc2 = this.module('fc2', new Linear(hidden, dim, {}, bias));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.fc2.forward(gelu(this.fc1.forward(x))));
  }
}

/** `SwiGLUFFNFused`: hidden = (int(2·hidden/3) + 7) // 8 · 8; w3(silu(x1) ⊙ x2) with [x1, x2] = w12(x). */
export class SwiGLUFFN extends Module {
  readonly w12: Linear;
  readonly w3: Linear;
  readonly hidden: number;
  constructor(dim: number, hiddenFeatures: number, bias = true) {
    super();
    this.hidden = ((Math.floor((hiddenFeatures * 2) / 3) + 7) >> 3) << 3;
    this.w12 = this.module('w12', new Linear(dim, 2 * this.hidden, {}, bias));
    this.w3 = this.module('w3', new Linear(this.hidden, dim, {}, bias));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [x1, x2] = tf.split(this.w12.forward(x), 2, -1);
      return this.w3.forward(tf.mul(tf.mul(x1, tf.sigmoid(x1)), x2));
    });
  }
}

export interface BlockOptions {
  readonly dim: number;
  readonly numHeads: number;
  readonly mlpRatio: number;
  readonly ffnLayer: 'mlp' | 'swiglu' | 'swiglufused';
  readonly initValues: number;
  readonly qkvBias: boolean;
  readonly projBias: boolean;
  readonly ffnBias: boolean;
  /** Stochastic depth rate of this block (training only). */
  readonly dropPath: number;
}

export class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attn: Attention;
  readonly ls1: LayerScale;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp | SwiGLUFFN;
  readonly ls2: LayerScale;
  constructor(readonly o: BlockOptions) {
    super();
    this.norm1 = this.module('norm1', new LayerNorm(o.dim, 1e-6));
    this.attn = this.module('attn', new Attention(o.dim, o.numHeads, o.qkvBias, o.projBias));
    this.ls1 = this.module('ls1', new LayerScale(o.dim, o.initValues));
    this.norm2 = this.module('norm2', new LayerNorm(o.dim, 1e-6));
    const hidden = Math.floor(o.dim * o.mlpRatio);
    this.mlp = this.module('mlp', o.ffnLayer === 'mlp' ? new Mlp(o.dim, hidden, o.ffnBias) : new SwiGLUFFN(o.dim, hidden, o.ffnBias));
    this.ls2 = this.module('ls2', new LayerScale(o.dim, o.initValues));
  }

  /**
   * Drops the residual branch per sample with probability `dropPath` (training), rescaling kept ones.
   * The masks are drawn from `uniform` (seeded by the model), so a forward after the same seed drops the same samples.
   */
  private dropPath(x: Tensor, uniform: (() => number) | null): Tensor {
    if (!uniform || this.o.dropPath <= 0) return x;
    const keep = 1 - this.o.dropPath;
    const mask = Array.from({ length: x.shape[0] }, () => (uniform() < keep ? 1 / keep : 0));
    return tf.mul(x, tf.tensor3d(mask, [x.shape[0], 1, 1]));
  }

  /** `uniform` is the train-time noise source (stochastic depth); `null` at inference. */
  forward(x: Tensor, uniform: (() => number) | null = null): Tensor {
    return tf.tidy(() => {
      const a = tf.add(x, this.dropPath(this.ls1.forward(this.attn.forward(this.norm1.forward(x))), uniform));
      return tf.add(a, this.dropPath(this.ls2.forward(this.mlp.forward(this.norm2.forward(a))), uniform));
    });
  }
}
