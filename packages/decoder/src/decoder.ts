/**
 * The DINO decoder (mmdetection `DinoTransformerDecoder`): per layer, self-attention among queries (with
 * the denoising attention mask), multi-scale deformable cross-attention into the memory at each query's
 * reference box, FFN — all post-norm — and iterative box refinement: every layer predicts its boxes from
 * its (normalised) output and its reference, and the detached prediction is the next layer's reference.
 * Query positions come from the reference boxes (sine encoding of cx, cy, w, h → `ref_point_head` MLP).
 */
import { LayerNorm, Module, ModuleList, stopGradient, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { SelfAttention } from './attention';
import { Ffn, type LayerOptions } from './encoder';
import { Mlp } from './mlp';
import type { BoxRegressor } from './heads';
import type { FlatMemory } from './memory';
import { MSDeformAttn } from './ms-deform-attn/module';

export type DecoderOptions = LayerOptions;

/** mmdetection `coordinate_to_encoding` of `[..., 4]` boxes: (y, x, w, h) blocks of `numFeats` sines/cosines. */
export function boxSineEncoding(boxes: Tensor, numFeats: number, temperature = 10000): Tensor {
  return tf.tidy(() => {
    const dimT = tf.tensor1d(Float32Array.from({ length: numFeats }, (_, c) => temperature ** ((2 * Math.floor(c / 2)) / numFeats)));
    const even = tf.tensor1d(Float32Array.from({ length: numFeats }, (_, c) => (c % 2 === 0 ? 1 : 0)));
    const enc = (v: Tensor) => {
      const arg = tf.div(tf.expandDims(tf.mul(v, 2 * Math.PI), -1), dimT);
      return tf.add(tf.mul(tf.sin(arg), even), tf.mul(tf.cos(arg), tf.sub(1, even)));
    };
    const [x, y, w, h] = tf.unstack(boxes, -1);
    return tf.concat([enc(y), enc(x), enc(w), enc(h)], -1);
  });
}

export class DecoderLayer extends Module {
  readonly self_attn: SelfAttention;
  readonly cross_attn: MSDeformAttn;
  readonly ffn: Ffn;
  readonly norms: ModuleList<LayerNorm>;
  constructor(o: DecoderOptions) {
    super();
    this.self_attn = this.module('self_attn', new SelfAttention(o.dModel, o.numHeads ?? 8));
    this.cross_attn = this.module(
      'cross_attn',
      new MSDeformAttn({ dModel: o.dModel, nLevels: o.numLevels, nHeads: o.numHeads ?? 8, nPoints: o.numPoints ?? 4 }),
    );
    this.ffn = this.module('ffn', new Ffn(o.dModel, o.ffnDim ?? 2048));
    this.norms = this.module('norms', new ModuleList([new LayerNorm(o.dModel), new LayerNorm(o.dModel), new LayerNorm(o.dModel)]));
  }

  forward(query: Tensor, pos: Tensor, reference: Tensor, memory: Tensor, mem: FlatMemory, attnMask?: Tensor | null): Tensor {
    return tf.tidy(() => {
      const qk = tf.add(query, pos);
      let x = this.norms.items[0].forward(tf.add(query, this.self_attn.attn.forward(qk, qk, query, attnMask)));
      const cross = this.cross_attn.forward(tf.add(x, pos), reference, memory, mem.spatialShapes, mem.levelStartIndex, mem.paddingMask);
      x = this.norms.items[1].forward(tf.add(x, cross));
      return this.norms.items[2].forward(tf.add(x, this.ffn.forward(x)));
    });
  }
}

export interface DecoderOutput {
  /** `[L,B,Q,d]` normalised hidden states (for the class head). */
  readonly hidden: Tensor;
  /** `[L,B,Q,4]` boxes of every layer. */
  readonly boxes: Tensor;
}

export class Decoder extends Module {
  readonly layers: ModuleList<DecoderLayer>;
  readonly ref_point_head: Mlp;
  readonly norm: LayerNorm;
  constructor(readonly o: DecoderOptions) {
    super();
    this.layers = this.module('layers', new ModuleList(Array.from({ length: o.numLayers }, () => new DecoderLayer(o))));
    this.ref_point_head = this.module('ref_point_head', new Mlp([2 * o.dModel, o.dModel, o.dModel]));
    this.norm = this.module('norm', new LayerNorm(o.dModel));
  }

  /**
   * @param query `[B,Q,d]` content queries; @param reference `[B,Q,4]` initial boxes (no gradient)
   * @param boxHeads one per layer (`bbox_head.reg_branches.{l}`)
   */
  forward(query: Tensor, reference: Tensor, memory: Tensor, mem: FlatMemory, boxHeads: readonly BoxRegressor[], attnMask?: Tensor | null): DecoderOutput {
    return tf.tidy(() => {
      const [B] = query.shape;
      const L = mem.spatialShapes.length;
      const vr = tf.concat([mem.validRatios, mem.validRatios], -1); // [B,L,4]
      let ref = reference;
      let x = query;
      const hidden: Tensor[] = [];
      const boxes: Tensor[] = [];
      this.layers.items.forEach((layer, l) => {
        const refInput = tf.mul(tf.expandDims(ref, 2), tf.reshape(vr, [B, 1, L, 4])); // [B,Q,L,4]
        const pos = this.ref_point_head.forward(boxSineEncoding(tf.squeeze(tf.slice(refInput, [0, 0, 0, 0], [-1, -1, 1, -1]), [2]), this.o.dModel / 2));
        x = layer.forward(x, pos, refInput, memory, mem, attnMask);
        const h = this.norm.forward(x);
        const b = boxHeads[l].forward(h, ref);
        hidden.push(h);
        boxes.push(b);
        ref = stopGradient(b);
      });
      return { hidden: tf.stack(hidden), boxes: tf.stack(boxes) };
    });
  }
}
