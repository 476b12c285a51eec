/**
 * Channel mapper neck (mmdetection `ChannelMapper` as DINO configures it): per backbone level a 1×1 conv
 * + GroupNorm(32) to `d` channels; optional extra levels by a 3×3 stride-2 conv + GroupNorm on the last
 * input map. Parameter names: `convs.{i}.conv.*`, `convs.{i}.gn.*`, `extra_convs.{j}.conv.*`, `…gn.*`.
 */
import { Module, ModuleList, tf } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

export class GroupNorm extends Module {
  readonly weight: Variable;
  readonly bias: Variable;
  constructor(
    readonly groups: number,
    readonly channels: number,
    readonly eps = 1e-5,
  ) {
    super();
    if (channels % groups) throw new Error(`GroupNorm: ${channels} channels are not divisible into ${groups} groups`);
    this.weight = this.param('weight', tf.ones([channels]));
    this.bias = this.param('bias', tf.zeros([channels]));
  }
  /** NHWC `[B,H,W,C]`; statistics over (H, W, C/groups) per sample and group. */
  forward(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [B, H, W, C] = x.shape as [number, number, number, number];
      const g = tf.reshape(x, [B, H, W, this.groups, C / this.groups]);
      const { mean, variance } = tf.moments(g, [1, 2, 4], true);
      const n = tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, this.eps))), [B, H, W, C]);
      return tf.add(tf.mul(n, this.weight), this.bias);
    });
  }
}

class Conv extends Module {
  readonly weight: Variable;
  readonly bias: Variable;
  constructor(
    inC: number,
    outC: number,
    readonly k: number,
    readonly stride: number,
    seed?: number,
  ) {
    super();
    // xavier-uniform, as mmdetection initialises the DINO neck
    const b = Math.sqrt(6 / (inC * k * k + outC * k * k));
    this.weight = this.param('weight', tf.randomUniform([k, k, inC, outC], -b, b, 'float32', seed), 'conv2d');
    this.bias = this.param('bias', tf.zeros([outC]));
  }
  forward(x: Tensor): Tensor {
    return tf.add(tf.conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.stride, this.k === 1 ? 'valid' : 'same'), this.bias);
  }
}

class ConvGn extends Module {
  readonly conv: Conv;
  readonly gn: GroupNorm;
  constructor(inC: number, outC: number, k: number, stride: number, groups: number) {
    super();
    this.conv = this.module('conv', new Conv(inC, outC, k, stride));
    this.gn = this.module('gn', new GroupNorm(groups, outC));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.gn.forward(this.conv.forward(x)));
  }
}

export class ChannelMapper extends Module {
  readonly convs: ModuleList<ConvGn>;
  readonly extra_convs: ModuleList<ConvGn>;
  constructor(
    inChannels: readonly number[],
    readonly outChannels: number,
    extraLevels = 0,
    groups = 32,
  ) {
    super();
    this.convs = this.module('convs', new ModuleList(inChannels.map((c) => new ConvGn(c, outChannels, 1, 1, groups))));
    this.extra_convs = this.module(
      'extra_convs',
      new ModuleList(
        Array.from({ length: extraLevels }, (_, j) => new ConvGn(j === 0 ? inChannels[inChannels.length - 1] : outChannels, outChannels, 3, 2, groups)),
      ),
    );
  }

  /** NHWC maps, finest first → the same number (+ extra levels) of `[B,h,w,d]` maps. */
  forward(levels: readonly Tensor[]): Tensor[] {
    const outs = levels.map((x, i) => this.convs.items[i].forward(x));
    let last = levels[levels.length - 1];
    for (const e of this.extra_convs.items) {
      const y = e.forward(last);
      outs.push(y);
      last = y;
    }
    return outs;
  }
}
