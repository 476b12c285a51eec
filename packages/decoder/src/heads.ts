/**
 * Prediction heads (DESIGN.md §4.7):
 * - `ContrastiveClassHead`: logit(q, k) = ⟨query_q, prompt_k⟩/√d + bias, padding prompts at −∞
 *   (bias initialised to the focal-loss prior −log((1−π)/π), π = 0.01);
 * - `BoxHead`: DETR's 3-layer MLP predicting a delta in inverse-sigmoid space, box = σ(delta + σ⁻¹(ref));
 *   the last layer starts at zero, so the first boxes are the references (as Deformable-DETR).
 */
import { Linear, Module, ModuleList, tf } from '@dino-r1/core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

/** What the selection and the decoder need of a class head (any replacement part satisfies it). */
export interface ClassScorer {
  forward(queries: Tensor, prompts: Tensor, promptMask?: Tensor | null): Tensor;
}

/** What the selection and the decoder need of a box head. */
export interface BoxRegressor {
  /** The raw delta `[..., 4]` in inverse-sigmoid space (added to unactivated proposals). */
  delta(x: Tensor): Tensor;
  /** Refined boxes from reference boxes, normalised cxcywh. */
  forward(x: Tensor, reference: Tensor): Tensor;
}

export class ContrastiveClassHead extends Module {
  readonly bias: Variable;
  constructor(
    readonly dim: number,
    priorProb = 0.01,
  ) {
    super();
    this.bias = this.param('bias', tf.scalar(-Math.log((1 - priorProb) / priorProb)));
  }
  /** `queries` `[..., B, Q, d]`, `prompts` `[B, K, d]`, `promptMask` `[B, K]` (1 = padding) → `[..., B, Q, K]`. */
  forward(queries: Tensor, prompts: Tensor, promptMask?: Tensor | null): Tensor {
    return tf.tidy(() => {
      const lead = queries.shape.slice(0, -3);
      const [B, Q, d] = queries.shape.slice(-3);
      const K = prompts.shape[1] as number;
      const flat = tf.reshape(queries, [-1, B, Q, d]);
      const n = flat.shape[0];
      const p = tf.broadcastTo(tf.expandDims(prompts, 0), [n, B, K, d]);
      const logits = tf.add(tf.div(tf.matMul(tf.reshape(flat, [n * B, Q, d]), tf.reshape(p, [n * B, K, d]), false, true), Math.sqrt(d)), this.bias);
      let out = tf.reshape(logits, [...lead, B, Q, K]);
      if (promptMask) {
        const pad = tf.reshape(tf.cast(promptMask, 'bool'), [...lead.map(() => 1), B, 1, K]);
        out = tf.where(tf.broadcastTo(pad, out.shape), tf.fill(out.shape, -Infinity), out);
      }
      return out;
    });
  }
}

/** σ⁻¹ with the clamping of Deformable-DETR (`inverse_sigmoid(x, eps=1e-5)`). */
export function inverseSigmoid(x: Tensor, eps = 1e-5): Tensor {
  return tf.tidy(() => {
    const c = tf.clipByValue(x, 0, 1);
    return tf.log(tf.div(tf.maximum(c, eps), tf.maximum(tf.sub(1, c), eps)));
  });
}

export class BoxHead extends Module {
  readonly layers: ModuleList<Linear>;
  constructor(readonly dim: number) {
    super();
    this.layers = this.module(
      'layers',
      new ModuleList([new Linear(dim, dim), new Linear(dim, dim), new Linear(dim, 4, { weight: tf.zeros([dim, 4]), bias: tf.zeros([4]) })]),
    );
  }
  /** The raw delta `[..., 4]`. */
  delta(x: Tensor): Tensor {
    return tf.tidy(() => {
      const [a, b, c] = this.layers.items;
      return c.forward(tf.relu(b.forward(tf.relu(a.forward(x)))));
    });
  }
  /** Refined boxes σ(delta(x) + σ⁻¹(reference)), normalised cxcywh. */
  forward(x: Tensor, reference: Tensor): Tensor {
    return tf.tidy(() => tf.sigmoid(tf.add(this.delta(x), inverseSigmoid(reference))));
  }
}
