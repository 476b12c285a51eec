/**
 * The deformable encoder (mmdetection `DeformableDetrTransformerEncoder` as DINO uses it): post-norm
 * layers of multi-scale deformable self-attention over the flattened memory and a ReLU FFN.
 * Names: `layers.{i}.self_attn.*`, `layers.{i}.ffn.layers.0.0.*` / `ffn.layers.1.*`, `layers.{i}.norms.{0,1}.*`.
 */
import { LayerNorm, Linear, Module, ModuleList, noGrad, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { FlatMemory } from './memory';
import { MSDeformAttn } from './ms-deform-attn/module';

/** `nn.Sequential(Linear, ReLU, Dropout)`: only the Linear has parameters (`0.*`). */
class LinearAct extends Module {
  readonly linear: Linear;
  constructor(inF: number, outF: number) {
    super();
    this.linear = this.module('0', new Linear(inF, outF));
  }
}

class FfnLayers extends Module {
  readonly first: LinearAct;
  readonly second: Linear;
  constructor(dim: number, hidden: number) {
    super();
    this.first = this.module('0', new LinearAct(dim, hidden));
    this.second = this.module('1', new Linear(hidden, dim));
  }
}

/** mmcv `FFN` (two fully connected layers, ReLU); the caller adds the residual. */
export class Ffn extends Module {
  readonly layers: FfnLayers;
  constructor(dim: number, hidden: number) {
    super();
    this.layers = this.module('layers', new FfnLayers(dim, hidden));
  }
  forward(x: Tensor): Tensor {
    return tf.tidy(() => this.layers.second.forward(tf.relu(this.layers.first.linear.forward(x))));
  }
}

/** Sizes shared by the encoder and decoder stacks. */
export interface LayerOptions {
  readonly dModel: number;
  readonly numLayers: number;
  readonly numLevels: number;
  readonly numHeads?: number;
  readonly numPoints?: number;
  readonly ffnDim?: number;
}

export type EncoderOptions = LayerOptions;

export class DeformableEncoderLayer extends Module {
  readonly self_attn: MSDeformAttn;
  readonly ffn: Ffn;
  readonly norms: ModuleList<LayerNorm>;
  constructor(o: EncoderOptions) {
    super();
    this.self_attn = this.module('self_attn', new MSDeformAttn({ dModel: o.dModel, nLevels: o.numLevels, nHeads: o.numHeads ?? 8, nPoints: o.numPoints ?? 4 }));
    this.ffn = this.module('ffn', new Ffn(o.dModel, o.ffnDim ?? 2048));
    this.norms = this.module('norms', new ModuleList([new LayerNorm(o.dModel), new LayerNorm(o.dModel)]));
  }

  forward(query: Tensor, pos: Tensor, reference: Tensor, mem: FlatMemory): Tensor {
    return tf.tidy(() => {
      const attn = this.self_attn.forward(tf.add(query, pos), reference, query, mem.spatialShapes, mem.levelStartIndex, mem.paddingMask);
      const x = this.norms.items[0].forward(tf.add(query, attn));
      return this.norms.items[1].forward(tf.add(x, this.ffn.forward(x)));
    });
  }
}

/**
 * Reference points of every memory token: its pixel centre normalised by the real (valid) extent of its
 * level, then scaled to every level's valid extent: `[B,S,L,2]` (x, y).
 */
export function encoderReferencePoints(spatialShapes: ReadonlyArray<readonly [number, number]>, validRatios: Tensor): Tensor {
  return noGrad(() =>
    tf.tidy(() => {
      const B = validRatios.shape[0];
      const L = spatialShapes.length;
      const perLevel = spatialShapes.map(([H, W], l) => {
        const ys: number[] = [];
        const xs: number[] = [];
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) {
            ys.push(i + 0.5);
            xs.push(j + 0.5);
          }
        const vr = tf.slice(validRatios, [0, l, 0], [B, 1, 2]); // [B,1,2] (w,h)
        const [vw, vh] = tf.unstack(tf.reshape(vr, [B, 2]), 1);
        const x = tf.div(tf.tensor2d(xs, [1, H * W]), tf.mul(tf.reshape(vw, [B, 1]), W));
        const y = tf.div(tf.tensor2d(ys, [1, H * W]), tf.mul(tf.reshape(vh, [B, 1]), H));
        return tf.stack([x, y], -1); // [B,HW,2]
      });
      const ref = tf.concat(perLevel, 1); // [B,S,2]
      return tf.mul(tf.expandDims(ref, 2), tf.reshape(validRatios, [B, 1, L, 2]));
    }),
  );
}

export class DeformableEncoder extends Module {
  readonly layers: ModuleList<DeformableEncoderLayer>;
  constructor(o: EncoderOptions) {
    super();
    this.layers = this.module('layers', new ModuleList(Array.from({ length: o.numLayers }, () => new DeformableEncoderLayer(o))));
  }

  /** Encodes the flattened memory; returns `[B,S,d]`. */
  forward(mem: FlatMemory): Tensor {
    return tf.tidy(() => {
      const reference = encoderReferencePoints(mem.spatialShapes, mem.validRatios);
      let x = mem.memory;
      for (const layer of this.layers.items) x = layer.forward(x, mem.positions, reference, mem);
      return x;
    });
  }
}
