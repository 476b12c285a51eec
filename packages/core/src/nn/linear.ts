/**
 * `nn.Linear`: y = x·W + b over the last axis. Stored `[in, out]` (tfjs matmul order), saved as PyTorch's
 * `[out, in]` `weight` and `bias`.
 */
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { tf } from '../backend/tf';
import { Module } from '../module/module';
import { linearDefault } from './init';

export interface LinearInit {
  weight?: Tensor;
  bias?: Tensor;
  seed?: number;
}

export class Linear extends Module {
  readonly weight: Variable;
  readonly bias: Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    { weight, bias, seed }: LinearInit = {},
    withBias = true,
  ) {
    super();
    this.weight = this.param('weight', weight ?? linearDefault([inFeatures, outFeatures], inFeatures, seed), 'linear');
    this.bias = withBias ? this.param('bias', bias ?? linearDefault([outFeatures], inFeatures, seed === undefined ? undefined : seed + 1)) : null;
  }

  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const y = tf.matMul(tf.reshape(x, [-1, this.inFeatures]), this.weight);
      const out = this.bias ? tf.add(y, this.bias) : y;
      return tf.reshape(out, [...lead, this.outFeatures]);
    });
  }
}
