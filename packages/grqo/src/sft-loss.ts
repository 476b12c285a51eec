/**
 * The supervised DINO losses (DESIGN.md §5), the SFT baseline and the first half of the DINO-R1 objective:
 *   per decoder layer: 1·sigmoid focal (targets: the matched prompt index; every other prompt negative)
 *                    + 5·L1 + 2·(1 − GIoU) on matched boxes,
 * each summed and divided by the number of GT boxes in the batch; plus the same on the encoder's
 * selected proposals (own matching) and on denoising queries (pairs known, no matching). The denoising
 * terms are divided by the number of positive denoising pairs, i.e. GT boxes × DN groups, as the official
 * DINO (`num_boxes * scalar`) and mmdetection's `DINOHead.loss_dn` (`avg_factor = num_gts × num_groups`).
 */
import { alignedGiou, cxcywhToXyxy, tf } from '@dino-r1/core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { WeightedReward } from '@dino-r1/core';
import { hungarianMatch, type Match } from './matcher';

export interface SftLossWeights {
  readonly class: number;
  readonly bbox: number;
  readonly giou: number;
}

export const DINO_LOSS_WEIGHTS: SftLossWeights = { class: 1, bbox: 5, giou: 2 };

export interface SftLossOptions {
  /** The matching cost as weighted rewards (`matchRewards(…)` with `config.sft.matchCost`). */
  readonly matchRewards: readonly WeightedReward[];
  /** Default DINO's 1, 5, 2. */
  readonly weights?: SftLossWeights;
  readonly focalAlpha?: number;
  readonly focalGamma?: number;
  /** `[B,K]`, 1 on padding prompts: excluded from the classification loss. */
  readonly promptMask?: Tensor;
}

/** The options `config.sft` asks for (the matching rewards come from the container). */
export function sftOptionsFromConfig(
  sft: { readonly lossWeights: SftLossWeights; readonly focalAlpha: number; readonly focalGamma: number },
  matchRewards: readonly WeightedReward[],
): SftLossOptions {
  return { matchRewards, weights: sft.lossWeights, focalAlpha: sft.focalAlpha, focalGamma: sft.focalGamma };
}

type Targets = ReadonlyArray<{ readonly boxes: Tensor; readonly labels: Tensor }>;

export interface SftInputs {
  /** `[L,B,Q,K]`, `[L,B,Q,4]` */
  readonly predLogits: Tensor;
  readonly predBoxes: Tensor;
  /** `[B,Q,K]`, `[B,Q,4]`: the encoder's selected proposals (optional). */
  readonly proposalLogits?: Tensor;
  readonly proposalBoxes?: Tensor;
  /** Denoising queries: `[L,B,Qdn,K]`, `[L,B,Qdn,4]` and the known (query, GT) pairs per image. */
  readonly denoising?: {
    readonly predLogits: Tensor;
    readonly predBoxes: Tensor;
    readonly pairs: ReadonlyArray<Match>;
  };
  readonly gts: Targets;
}

export interface SftLossOutput {
  readonly loss: Scalar;
  /** Every term by name: `loss_cls`, `loss_bbox`, `loss_giou` (last layer), `d{l}.…` (earlier layers),
   * `enc.…` (proposals), `dn.…` / `dn.d{l}.…` (denoising); weighted as summed into `loss`. */
  readonly parts: Record<string, Scalar>;
  /** The matches used, `[layer][image]` (for logging and tests). */
  readonly matches: Match[][];
}

/** torchvision's sigmoid focal loss, elementwise. */
export function sigmoidFocalLoss(logits: Tensor, targets: Tensor, alpha = 0.25, gamma = 2): Tensor {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits);
    // BCE with logits, stable: max(x,0) − x·t + log(1 + exp(−|x|))
    const ce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    const pT = tf.add(tf.mul(p, targets), tf.mul(tf.sub(1, p), tf.sub(1, targets)));
    const alphaT = tf.add(tf.mul(targets, alpha), tf.mul(tf.sub(1, targets), 1 - alpha));
    return tf.mul(alphaT, tf.mul(ce, tf.pow(tf.sub(1, pT), gamma)));
  });
}

/**
 * The three losses of one set of queries `[B,Q,K]`/`[B,Q,4]` for given (query, GT) pairs per image,
 * each divided by `numBoxes` (not yet weighted).
 */
export function pairLosses(
  logits: Tensor,
  boxes: Tensor,
  pairs: ReadonlyArray<Match>,
  gts: Targets,
  numBoxes: number,
  opts: Partial<SftLossOptions> = {},
): { cls: Scalar; bbox: Scalar; giou: Scalar } {
  const [B, Q, K] = logits.shape as [number, number, number];
  const onehot = new Float32Array(B * Q * K);
  const flatQuery: number[] = [];
  const gtIndex: Array<[number, Int32Array]> = [];
  for (let b = 0; b < B; b++) {
    const { queries, targets } = pairs[b];
    if (queries.length === 0) continue;
    const labels = gts[b].labels.dataSync();
    for (let k = 0; k < queries.length; k++) {
      onehot[(b * Q + queries[k]) * K + labels[targets[k]]] = 1;
      flatQuery.push(b * Q + queries[k]);
    }
    gtIndex.push([b, targets]);
  }
  return tf.tidy(() => {
    let focal = sigmoidFocalLoss(logits, tf.tensor3d(onehot, [B, Q, K]), opts.focalAlpha, opts.focalGamma);
    if (opts.promptMask) {
      const real = tf.sub(1, tf.expandDims(tf.cast(opts.promptMask, 'float32'), 1)); // [B,1,K]
      focal = tf.mul(focal, real);
      focal = tf.where(tf.isNaN(focal), tf.zerosLike(focal), focal); // −inf logits on padding prompts
    }
    const cls = tf.div(tf.sum(focal), numBoxes) as Scalar;
    if (flatQuery.length === 0) {
      const zero = tf.mul(tf.sum(boxes), 0) as Scalar; // keeps the graph connected
      return { cls, bbox: zero, giou: tf.clone(zero) };
    }
    const src = tf.gather(tf.reshape(boxes, [B * Q, 4]), flatQuery);
    const tgt = tf.concat(
      gtIndex.map(([b, targets]) => tf.gather(gts[b].boxes, Array.from(targets))),
      0,
    );
    const bbox = tf.div(tf.sum(tf.abs(tf.sub(src, tgt))), numBoxes) as Scalar;
    const giou = tf.div(tf.sum(tf.sub(1, alignedGiou(cxcywhToXyxy(src), cxcywhToXyxy(tgt)))), numBoxes) as Scalar;
    return { cls, bbox, giou };
  });
}

function layerSlice(t: Tensor, l: number): Tensor {
  return tf.squeeze(tf.slice(t, [l, 0, 0, 0], [1, -1, -1, -1]), [0]);
}

export function sftLoss(inputs: SftInputs, opts: SftLossOptions): SftLossOutput {
  const w = opts.weights ?? DINO_LOSS_WEIGHTS;
  const costRewards = opts.matchRewards;
  const numBoxes = Math.max(
    1,
    inputs.gts.reduce((n, g) => n + g.boxes.shape[0], 0),
  );
  const L = inputs.predLogits.shape[0];
  const matches = hungarianMatch(inputs.predLogits, inputs.predBoxes, inputs.gts, costRewards);

  const { loss, parts } = tf.tidy(() => {
    const parts: Record<string, Scalar> = {};
    const add = (prefix: string, terms: { cls: Scalar; bbox: Scalar; giou: Scalar }) => {
      parts[`${prefix}loss_cls`] = tf.mul(terms.cls, w.class) as Scalar;
      parts[`${prefix}loss_bbox`] = tf.mul(terms.bbox, w.bbox) as Scalar;
      parts[`${prefix}loss_giou`] = tf.mul(terms.giou, w.giou) as Scalar;
    };
    const layerPrefix = (l: number, n: number) => (l === n - 1 ? '' : `d${l}.`);
    for (let l = 0; l < L; l++) {
      const terms = pairLosses(layerSlice(inputs.predLogits, l), layerSlice(inputs.predBoxes, l), matches[l], inputs.gts, numBoxes, opts);
      add(layerPrefix(l, L), terms);
    }
    if (inputs.proposalLogits && inputs.proposalBoxes) {
      const encMatch = hungarianMatch(tf.expandDims(inputs.proposalLogits, 0), tf.expandDims(inputs.proposalBoxes, 0), inputs.gts, costRewards)[0];
      add('enc.', pairLosses(inputs.proposalLogits, inputs.proposalBoxes, encMatch, inputs.gts, numBoxes, opts));
    }
    if (inputs.denoising) {
      const dn = inputs.denoising;
      const Ld = dn.predLogits.shape[0];
      // every GT has one positive query per DN group: the pairs number GT boxes × groups
      const numPairs = Math.max(
        1,
        dn.pairs.reduce((n, p) => n + p.queries.length, 0),
      );
      for (let l = 0; l < Ld; l++) {
        const terms = pairLosses(layerSlice(dn.predLogits, l), layerSlice(dn.predBoxes, l), dn.pairs, inputs.gts, numPairs, opts);
        add(`dn.${layerPrefix(l, Ld)}`, terms);
      }
    }
    return { loss: tf.addN(Object.values(parts)) as Scalar, parts };
  });
  return { loss, parts, matches };
}
