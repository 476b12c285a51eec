/**
 * A small stand-in for the DINO-R1 detector (a few thousand parameters) on a toy problem: every image is
 * T tokens with features and an anchor box; the objects are some of the tokens. The policy scores tokens
 * (selection logits), keeps the top Q, and two "decoder layers" classify them against K prompts and refine
 * their boxes — the same outputs, shapes and gradient paths the trainer gets from the real detector.
 */
import { batchGather, Module, ModuleList, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { PolicyBatch, PolicyModel, PolicyOutput, TrainingStream } from '../src';

export interface ToyBatch extends PolicyBatch {
  /** `[B,T,D]` token features, `[B,T,4]` token anchor boxes (cxcywh). */
  readonly features: Tensor;
  readonly anchors: Tensor;
}

class Linear extends Module {
  readonly weight;
  readonly bias;
  constructor(inF: number, outF: number, seed: number) {
    super();
    const s = Math.sqrt(1 / inF);
    this.weight = this.param('weight', tf.randomUniform([inF, outF], -s, s, 'float32', seed), 'linear');
    this.bias = this.param('bias', tf.zeros([outF]));
  }
  forward(x: Tensor): Tensor {
    const flat = tf.matMul(tf.reshape(x, [-1, x.shape[x.rank - 1]]), this.weight);
    return tf.add(tf.reshape(flat, [...x.shape.slice(0, -1), -1]), this.bias);
  }
}

class ToyLayer extends Module {
  readonly mix;
  readonly cls;
  readonly box;
  constructor(H: number, K: number, seed: number) {
    super();
    this.mix = this.module('mix', new Linear(H, H, seed));
    this.cls = this.module('cls', new Linear(H, K, seed + 1));
    this.box = this.module('box', new Linear(H, 4, seed + 2));
  }
}

export class ToyPolicy extends Module implements PolicyModel<ToyBatch> {
  /** Encoder class head over the prompts; objectness = max over prompts (visual-guided selection). */
  readonly enc: Linear;
  readonly embed: Linear;
  readonly layers: ModuleList<ToyLayer>;

  constructor(
    readonly D: number,
    readonly H: number,
    readonly K: number,
    readonly Q: number,
    seed = 1,
  ) {
    super();
    this.enc = this.module('enc', new Linear(D, K, seed));
    this.embed = this.module('embed', new Linear(D, H, seed + 1));
    this.layers = this.module('layers', new ModuleList([0, 1].map((l) => new ToyLayer(H, K, seed + 10 * (l + 1)))));
  }

  private encoderLogits(batch: ToyBatch): Tensor {
    return this.enc.forward(batch.features); // [B,T,K]
  }

  private tokenLogits(batch: ToyBatch): Tensor {
    return tf.max(this.encoderLogits(batch), -1); // [B,T]
  }

  forward(batch: ToyBatch): PolicyOutput {
    const encLogits = this.encoderLogits(batch);
    const logits = tf.max(encLogits, -1);
    const { indices } = tf.topk(logits, this.Q); // selection order: highest first
    const selectionLogits = batchGather(logits, indices);
    const feats = batchGather(batch.features, indices); // [B,Q,D]
    let boxes = batchGather(batch.anchors, indices); // [B,Q,4]
    let h = tf.relu(this.embed.forward(feats));
    const outLogits: Tensor[] = [];
    const outBoxes: Tensor[] = [];
    for (const layer of this.layers.items) {
      h = tf.relu(tf.add(h, layer.mix.forward(h)));
      outLogits.push(layer.cls.forward(h));
      const inv = tf.log(tf.div(tf.clipByValue(boxes, 1e-4, 1 - 1e-4), tf.sub(1, tf.clipByValue(boxes, 1e-4, 1 - 1e-4))));
      boxes = tf.sigmoid(tf.add(inv, layer.box.forward(h)));
      outBoxes.push(boxes);
    }
    return {
      predLogits: tf.stack(outLogits),
      predBoxes: tf.stack(outBoxes),
      selectionLogits,
      selectedIndices: indices,
      proposalLogits: batchGather(encLogits, indices),
      proposalBoxes: batchGather(batch.anchors, indices),
      objectness: logits,
    };
  }

  selectionLogitsAt(batch: ToyBatch, indices: Tensor, _training = false): Tensor {
    return batchGather(this.tokenLogits(batch), indices);
  }
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * A deterministic batch for `step`: B images of T tokens; tokens 0..n−1 are objects of class (t mod K)
 * whose features carry their class and box; the others are clutter.
 */
export function toyBatch(step: number, B = 2, T = 24, D = 8, K = 2): ToyBatch {
  const r = rng(1000 + (step % 4));
  const features: number[][][] = [];
  const anchors: number[][][] = [];
  const gts: ToyBatch['gts'][number][] = [];
  for (let b = 0; b < B; b++) {
    const n = 2 + Math.floor(r() * 3);
    const f: number[][] = [];
    const a: number[][] = [];
    const boxes: number[][] = [];
    const labels: number[] = [];
    for (let t = 0; t < T; t++) {
      const obj = t < n;
      const box = [0.2 + 0.6 * r(), 0.2 + 0.6 * r(), 0.1 + 0.2 * r(), 0.1 + 0.2 * r()];
      const cls = t % K;
      const feat = Array.from({ length: D }, () => r() * 0.2 - 0.1);
      if (obj) {
        feat[0] += 1;
        feat[1 + cls] += 1;
        for (let k = 0; k < 4; k++) feat[3 + k] += box[k];
        boxes.push(box);
        labels.push(cls);
      }
      f.push(feat);
      a.push(box.map((v, k) => Math.min(0.95, Math.max(0.05, v + (r() - 0.5) * 0.1 * (k < 2 ? 1 : 0.5)))));
    }
    features.push(f);
    anchors.push(a);
    gts.push({ boxes: tf.tensor2d(boxes), labels: tf.tensor1d(labels, 'int32') });
  }
  return { features: tf.tensor3d(features), anchors: tf.tensor3d(anchors), gts };
}

export function disposeBatch(b: ToyBatch): void {
  tf.dispose([b.features, b.anchors, ...b.gts.flatMap((g) => [g.boxes, g.labels])]);
}

/** Micro-batch n is `toyBatch(n)`; a data epoch is `perEpoch` micro-batches; `served` records the indices read. */
export function toyStream(perEpoch = 3): TrainingStream<ToyBatch> & { served: number[] } {
  const served: number[] = [];
  return {
    served,
    batchesPerEpoch: perEpoch,
    *from(start: number) {
      for (let n = start; ; n++) {
        served.push(n);
        yield toyBatch(n);
      }
    },
    release: disposeBatch,
  };
}
