/**
 * Two-stage, visual-guided query selection (DINO `pre_decoder`, DESIGN.md §4.5): every encoder token
 * proposes a box (its pixel centre on its level, size 0.05·2^level, in inverse-sigmoid space) refined by
 * the encoder box head; its objectness is the maximum over the prompts of its contrastive class logit.
 * The top-Q tokens become the decoder's reference boxes; their objectness logits, in selection order, are
 * the GRQO policy. Tokens that are padding, or whose proposal lies within 1 % of the border, are never
 * selected (DINO leaves their logits in the race; we mask them so padding cannot influence outputs).
 */
import { batchGather, LayerNorm, Linear, Module, noGrad, stopGradient, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { BoxRegressor, ClassScorer } from './heads';
import type { FlatMemory } from './memory';

export interface Selection {
  /** `[B,Q]` int32 token indices, highest objectness first. */
  readonly selectedIndices: Tensor;
  /** `[B,Q]` objectness logits of the selected tokens (with gradient): the GRQO policy. */
  readonly selectionLogits: Tensor;
  /** `[B,S]` objectness logits of every token (the policy before selection). */
  readonly objectness: Tensor;
  /** `[B,Q,K]` encoder class logits and `[B,Q,4]` boxes of the selected proposals (for the encoder loss). */
  readonly proposalLogits: Tensor;
  readonly proposalBoxes: Tensor;
  /** `[B,Q,4]` the same boxes without gradient: the decoder's initial references. */
  readonly referenceBoxes: Tensor;
}

/** Proposals `[B,S,4]` in inverse-sigmoid space (+∞ where invalid) and the `[B,S]` validity. */
export function encoderProposals(mem: FlatMemory): { proposals: Tensor; valid: Tensor } {
  return noGrad(() =>
    tf.tidy(() => {
      const B = mem.memory.shape[0];
      const pad = tf.cast(mem.paddingMask, 'float32');
      const parts = mem.spatialShapes.map(([H, W], lvl) => {
        const m = tf.reshape(tf.slice(pad, [0, mem.levelStartIndex[lvl]], [B, H * W]), [B, H, W]);
        const validH = tf.sum(tf.sub(1, tf.squeeze(tf.slice(m, [0, 0, 0], [B, H, 1]), [2])), 1); // [B]
        const validW = tf.sum(tf.sub(1, tf.squeeze(tf.slice(m, [0, 0, 0], [B, 1, W]), [1])), 1);
        const xs: number[] = [];
        const ys: number[] = [];
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) {
            xs.push(j + 0.5);
            ys.push(i + 0.5);
          }
        const x = tf.div(tf.tensor2d(xs, [1, H * W]), tf.reshape(validW, [B, 1]));
        const y = tf.div(tf.tensor2d(ys, [1, H * W]), tf.reshape(validH, [B, 1]));
        const wh = tf.fill([B, H * W], 0.05 * 2 ** lvl);
        return tf.stack([x, y, wh, wh], -1);
      });
      const p = tf.concat(parts, 1); // [B,S,4]
      const inRange = tf.all(tf.logicalAnd(tf.greater(p, 0.01), tf.less(p, 0.99)), -1);
      const valid = tf.logicalAnd(inRange, tf.logicalNot(tf.cast(mem.paddingMask, 'bool')));
      const unact = tf.log(tf.div(p, tf.sub(1, p)));
      const proposals = tf.where(tf.broadcastTo(tf.expandDims(valid, -1), unact.shape), unact, tf.fill(unact.shape, Infinity));
      return { proposals, valid };
    }),
  );
}

export class QuerySelection extends Module {
  readonly memory_trans_fc: Linear;
  readonly memory_trans_norm: LayerNorm;

  constructor(
    readonly dim: number,
    readonly numQueries: number,
  ) {
    super();
    this.memory_trans_fc = this.module('memory_trans_fc', new Linear(dim, dim));
    this.memory_trans_norm = this.module('memory_trans_norm', new LayerNorm(dim));
  }

  /** Objectness logits `[B,S]` of every token (the policy before selection), and the transformed memory. */
  objectness(
    encoded: Tensor,
    _mem: FlatMemory,
    valid: Tensor,
    prompts: Tensor,
    promptMask: Tensor | null,
    classHead: ClassScorer,
  ): { memory: Tensor; logits: Tensor; objectness: Tensor } {
    return tf.tidy(() => {
      const keep = tf.expandDims(tf.cast(valid, 'float32'), -1);
      const memory = this.memory_trans_norm.forward(this.memory_trans_fc.forward(tf.mul(encoded, keep)));
      const logits = classHead.forward(memory, prompts, promptMask); // [B,S,K]
      return { memory, logits, objectness: tf.max(logits, -1) };
    });
  }

  forward(encoded: Tensor, mem: FlatMemory, prompts: Tensor, promptMask: Tensor | null, classHead: ClassScorer, boxHead: BoxRegressor): Selection {
    const { proposals, valid } = encoderProposals(mem);
    const out = tf.tidy(() => {
      const { memory, logits, objectness } = this.objectness(encoded, mem, valid, prompts, promptMask, classHead);
      const masked = tf.where(valid, objectness, tf.fill(objectness.shape, -Infinity));
      const selectedIndices = noGrad(() => tf.topk(masked, this.numQueries).indices);
      // invalid tokens carry +∞ proposals: zero them before the box head so no NaN reaches any gradient
      const safeProposals = tf.where(tf.broadcastTo(tf.expandDims(valid, -1), proposals.shape), proposals, tf.zerosLike(proposals));
      const unact = tf.add(boxHead.delta(memory), safeProposals);
      const proposalBoxes = tf.sigmoid(batchGather(unact, selectedIndices));
      return {
        selectedIndices,
        selectionLogits: batchGather(objectness, selectedIndices),
        objectness,
        proposalLogits: batchGather(logits, selectedIndices),
        proposalBoxes,
        referenceBoxes: stopGradient(proposalBoxes),
      };
    });
    tf.dispose([proposals, valid]);
    return out;
  }
}
