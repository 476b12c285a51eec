/**
 * The visual prompt encoder (DESIGN.md §4.4): every prompt box starts as one learned content query plus
 * a position from its box (sine encoding → MLP), reads the encoder memory of the image it was drawn on by
 * deformable cross-attention with the box as its 4-d reference, then the prompts of a batch row attend to
 * each other, then an FFN: one embedding per prompt instance. Padding prompts give zero embeddings and
 * are never attended to.
 */
import { LayerNorm, Module, ModuleList, noGrad, tf, type PromptBatch } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { SelfAttention } from './attention';
import { boxSineEncoding } from './decoder';
import { Ffn } from './encoder';
import type { FlatMemory } from './memory';
import { Mlp } from './mlp';
import { MSDeformAttn } from './ms-deform-attn/module';

export interface PromptEncoderOptions {
  readonly dModel: number;
  readonly numLevels: number;
  readonly numLayers?: number;
  readonly numHeads?: number;
  readonly numPoints?: number;
  readonly ffnDim?: number;
}

class PromptLayer extends Module {
  readonly cross_attn: MSDeformAttn;
  readonly self_attn: SelfAttention;
  readonly ffn: Ffn;
  readonly norms: ModuleList<LayerNorm>;
  constructor(o: PromptEncoderOptions) {
    super();
    this.cross_attn = this.module(
      'cross_attn',
      new MSDeformAttn({ dModel: o.dModel, nLevels: o.numLevels, nHeads: o.numHeads ?? 8, nPoints: o.numPoints ?? 4 }),
    );
    this.self_attn = this.module('self_attn', new SelfAttention(o.dModel, o.numHeads ?? 8));
    this.ffn = this.module('ffn', new Ffn(o.dModel, o.ffnDim ?? 1024));
    this.norms = this.module('norms', new ModuleList([new LayerNorm(o.dModel), new LayerNorm(o.dModel), new LayerNorm(o.dModel)]));
  }
}

/** Where every prompt slot of the batch goes when prompts are regrouped by their source image. */
interface Regroup {
  /** `[B·Kmax]` flat slot (b·K + k) read into row (source image) / column; −1 = empty */
  readonly slots: Int32Array;
  readonly kmax: number;
}

function regroup(sourceImage: number[][], mask: number[][]): Regroup {
  const B = sourceImage.length;
  const K = sourceImage[0]?.length ?? 0;
  const rows: number[][] = Array.from({ length: B }, () => []);
  for (let b = 0; b < B; b++) for (let k = 0; k < K; k++) if (!mask[b][k]) rows[sourceImage[b][k]].push(b * K + k);
  const kmax = Math.max(1, ...rows.map((r) => r.length));
  const slots = new Int32Array(B * kmax).fill(-1);
  rows.forEach((r, i) => r.forEach((slot, j) => (slots[i * kmax + j] = slot)));
  return { slots, kmax };
}

export class VisualPromptEncoder extends Module {
  readonly content_query: Variable;
  readonly pos_proj: Mlp;
  readonly layers: ModuleList<PromptLayer>;

  constructor(readonly o: PromptEncoderOptions) {
    super();
    this.content_query = this.param('content_query', tf.randomNormal([1, o.dModel], 0, 1));
    this.pos_proj = this.module('pos_proj', new Mlp([2 * o.dModel, o.dModel, o.dModel]));
    this.layers = this.module('layers', new ModuleList(Array.from({ length: o.numLayers ?? 1 }, () => new PromptLayer(o))));
  }

  /** `[B,K,d]` prompt embeddings (zero on padding slots). */
  forward(memory: Tensor, mem: FlatMemory, prompts: PromptBatch): Tensor {
    const [B, K] = prompts.boxes.shape as [number, number, number];
    const d = this.o.dModel;
    const L = mem.spatialShapes.length;
    const src = prompts.sourceImage.arraySync() as number[][];
    const pad = prompts.mask.arraySync() as number[][];
    const { slots, kmax } = regroup(src, pad);
    return tf.tidy(() => {
      const real = tf.sub(1, tf.expandDims(tf.cast(prompts.mask, 'float32'), -1)); // [B,K,1]
      const boxes = tf.reshape(prompts.boxes, [B * K, 4]);
      const pos = tf.reshape(this.pos_proj.forward(boxSineEncoding(boxes, d / 2)), [B, K, d]);
      let x = tf.mul(tf.add(tf.broadcastTo(tf.reshape(this.content_query, [1, 1, d]), [B, K, d]), pos), real);
      // gather slots by source image: row i holds the prompts drawn on image i
      const { gatherIdx, scatterIdx, emptyMask } = noGrad(() => {
        const g = Int32Array.from(slots, (s) => Math.max(s, 0));
        const scatter = new Int32Array(B * K).fill(0);
        slots.forEach((s, j) => s >= 0 && (scatter[s] = j));
        return {
          gatherIdx: tf.tensor1d(g, 'int32'),
          scatterIdx: tf.tensor1d(scatter, 'int32'),
          emptyMask: tf.tensor2d(
            Float32Array.from(slots, (s) => (s < 0 ? 1 : 0)),
            [B, kmax],
          ),
        };
      });
      const byImage = (t: Tensor, width: number) => tf.reshape(tf.gather(tf.reshape(t, [B * K, width]), gatherIdx), [B, kmax, width]);
      const back = (t: Tensor, width: number) => tf.reshape(tf.gather(tf.reshape(t, [B * kmax, width]), scatterIdx), [B, K, width]);
      const refs = tf.broadcastTo(tf.expandDims(byImage(prompts.boxes, 4), 2), [B, kmax, L, 4]);
      for (const layer of this.layers.items) {
        const q = byImage(x, d);
        const qp = byImage(pos, d);
        const cross = layer.cross_attn.forward(tf.add(q, qp), refs, memory, mem.spatialShapes, mem.levelStartIndex, mem.paddingMask);
        x = layer.norms.items[0].forward(tf.add(x, tf.mul(back(tf.mul(cross, tf.sub(1, tf.expandDims(emptyMask, -1))), d), real)));
        const qk = tf.add(x, pos);
        x = layer.norms.items[1].forward(tf.add(x, layer.self_attn.attn.forward(qk, qk, x, null, prompts.mask)));
        x = layer.norms.items[2].forward(tf.add(x, layer.ffn.forward(x)));
      }
      return tf.mul(x, real);
    });
  }
}
