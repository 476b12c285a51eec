/**
 * ViTDet's simple feature pyramid (Li et al. 2022; detectron2 `SimpleFeaturePyramid`): from the ViT's
 * last map, 4× up-sampling (deconv 2×2/2 → LayerNorm → GELU → deconv 2×2/2), 2× up-sampling (deconv),
 * identity, and 2× down-sampling (max-pool 2×2/2). Channels D/4, D/2, D, D; strides p/4, p/2, p, 2p for
 * patch size p. Stage names follow detectron2 (`simfp_2` … `simfp_5` for strides 4 … 32 of a /16 ViT).
 */
import { LayerNorm, Module, tf } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { gelu } from './blocks';

class ConvTranspose2x2 extends Module {
  readonly weight: Variable;
  readonly bias: Variable;
  constructor(
    readonly inC: number,
    readonly outC: number,
    seed?: number,
  ) {
    super();
    const b = 1 / Math.sqrt(outC * 4);
    this.weight = this.param('weight', tf.randomUniform([2, 2, outC, inC], -b, b, 'float32', seed), 'convTranspose2d');
    this.bias = this.param('bias', tf.zeros([outC]));
  }
  forward(x: Tensor): Tensor {
    const [B, h, w] = x.shape;
    return tf.add(tf.conv2dTranspose(x as tf.Tensor4D, this.weight as tf.Tensor4D, [B, h * 2, w * 2, this.outC], 2, 'valid'), this.bias);
  }
}

/** `nn.Sequential`-style stage: numbered children as in the reference `state_dict`. */
class UpStage extends Module {
  readonly steps: Array<(x: Tensor) => Tensor> = [];
  constructor(dim: number, times: 1 | 2) {
    super();
    const first = this.module('0', new ConvTranspose2x2(dim, dim / 2));
    this.steps.push((x) => first.forward(x));
    if (times === 2) {
      const norm = this.module('1', new LayerNorm(dim / 2, 1e-6));
      const second = this.module('3', new ConvTranspose2x2(dim / 2, dim / 4));
      this.steps.push(
        (x) => norm.forward(x),
        gelu,
        (x) => second.forward(x),
      );
    }
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.steps.reduce((y, f) => f(y), x));
  }
}

export class SimpleFeaturePyramid extends Module {
  readonly simfp_2: UpStage;
  readonly simfp_3: UpStage;
  readonly outChannels: number[];
  readonly strides: number[];

  constructor(
    readonly dim: number,
    patchSize: number,
  ) {
    super();
    if (dim % 4) throw new Error(`SimpleFeaturePyramid: width ${dim} must be divisible by 4`);
    this.simfp_2 = this.module('simfp_2', new UpStage(dim, 2));
    this.simfp_3 = this.module('simfp_3', new UpStage(dim, 1));
    this.outChannels = [dim / 4, dim / 2, dim, dim];
    this.strides = [patchSize / 4, patchSize / 2, patchSize, patchSize * 2];
  }

  /** `[B,h,w,D]` → four NHWC maps, finest first. */
  forward(x: Tensor): Tensor[] {
    return [this.simfp_2.forward(x), this.simfp_3.forward(x), x.clone(), tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')];
  }
}
