/**
 * The GRQO loss, DESIGN.md §6, step by step:
 *
 *   1. reward matrices R_k(i,j) per layer and image, composite R = Σ_k w_k R_k   (no gradient)
 *   2. per-query reward r_i = max_j R(i,j)  (or R(i, σ(i)) with the Hungarian match σ)
 *   3. group-relative advantage A_i = (r_i − mean r) / (std r + 1e−6)   per (layer, image)
 *   4. muting: A_i = 0 for the last ⌊muteFraction·Q⌋ queries in selection order
 *   5. surrogate S_i = ρ_i·A_i (on-policy, ρ = π/stopgrad(π)), or clipped against old logits,
 *      or S_i = A_i with rewards keeping their gradient (`direct`)
 *   6. KL_i = (π_ref+ε)/(π+ε) − log(π_ref+ε) + log(π+ε) − 1            (k3 estimator, ε = 1e−8)
 *   7. loss_l = mean_{b,i}( −α·S_i + β·KL_i ),  loss = Σ_l loss_l
 */
import { linearSumAssignment, noGrad, stopGradient, tf, type AdvantageNormaliser, type WeightedReward } from '@dino-r1/core';
import { compositeReward, GroupNormaliser } from '@dino-r1/rewards';
import type { Scalar, Tensor, Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';

const EPS = 1e-8;

export interface GrqoInputs {
  /** `[B,Q]` selection logits of the selected tokens, in selection order. */
  readonly selLogits: Tensor;
  /** `[B,Q]` the KL anchor's logits at the same tokens; absent or null: no KL term. */
  readonly refSelLogits?: Tensor | null;
  /** `[B,Q]` logits of the policy that produced the batch: enables the clipped surrogate. */
  readonly oldSelLogits?: Tensor | null;
  /** `[L,B,Q,K]` class logits per decoder layer. */
  readonly predLogits: Tensor;
  /** `[L,B,Q,4]` normalised cxcywh boxes per decoder layer. */
  readonly predBoxes: Tensor;
  /** Per image: `[G,4]` boxes and `[G]` prompt indices (`G` may be 0). */
  readonly gts: ReadonlyArray<{ readonly boxes: Tensor; readonly labels: Tensor }>;
}

/** The settings of `config.grqo` the loss reads; names as in DESIGN.md §6. */
export interface GrqoLossConfig {
  readonly alpha: number;
  readonly beta: number;
  readonly muteFraction: number;
  readonly surrogate?: 'score-function' | 'direct';
  /** `[ε_low, ε_high]` of the clipped surrogate. */
  readonly clip?: readonly [number, number];
  /** `max` over GT (paper) or the Hungarian-`matched` GT of each query. */
  readonly rewardReduction?: 'max' | 'matched';
  /** Normalise the weighted sum (default), or each reward in its group and then sum (GDPO style). */
  readonly aggregation?: 'sum-then-normalise' | 'normalise-then-sum';
}

export interface GrqoLossOptions {
  /** Weighted reward plugins (the container's `ActiveRewards`). */
  readonly rewards: readonly WeightedReward[];
  /** Default: the paper's `group` normaliser. */
  readonly normaliser?: AdvantageNormaliser;
}

export interface GrqoLossOutput {
  readonly loss: Scalar;
  /** `[L]` */
  readonly layerLosses: Tensor1D;
  /** `[L,B,Q]` per-query rewards (0 for images without GT). */
  readonly rewards: Tensor3D;
  /** `[L,B,Q]` after normalisation and muting. */
  readonly advantages: Tensor3D;
  /** `[B,Q]` (zeros when there is no reference). */
  readonly kl: Tensor2D;
  /**
   * With old-policy logits: the mean ratio π/π_old over the B·Q selected queries, and the fraction of
   * the L·B·Q surrogate terms where the clipped term is the smaller one (TRL's `clip_ratio`:
   * ρ < 1−ε_low with A < 0, or ρ > 1+ε_high with A > 0). Null on-policy.
   */
  readonly ratioMean: Scalar | null;
  readonly clipFraction: Scalar | null;
}

/** Index j of the GT each query's reward is read at: argmax_j R(i,j), or the Hungarian match. */
function gtChoice(composite: Tensor, reduction: 'max' | 'matched'): Tensor {
  // composite: [L,Q,G]
  if (reduction === 'max') return tf.argMax(composite, -1);
  const [L, Q, G] = composite.shape as [number, number, number];
  const r = composite.dataSync();
  const choice = new Int32Array(L * Q).fill(-1);
  const cost = new Float64Array(Q * G);
  for (let l = 0; l < L; l++) {
    for (let k = 0; k < Q * G; k++) cost[k] = -r[l * Q * G + k];
    const a = linearSumAssignment(cost, Q, G);
    for (let k = 0; k < a.rows.length; k++) choice[l * Q + a.rows[k]] = a.cols[k];
  }
  return tf.tensor2d(choice, [L, Q], 'int32');
}

/** Reads `m[l,i,choice[l,i]]` (`[L,Q,G]`, `[L,Q]` → `[L,Q]`); −1 (unmatched) reads 0. */
function readAt(m: Tensor, choice: Tensor): Tensor {
  const G = m.shape[2] as number;
  const valid = tf.greaterEqual(choice, 0);
  // one-hot by comparison (tf.oneHot refuses depth 1, i.e. an image with a single GT)
  const oneHot = noGrad(() => tf.cast(tf.equal(tf.expandDims(choice, -1), tf.range(0, G, 1, 'int32')), 'float32')); // [L,Q,G]
  const picked = tf.sum(tf.mul(m, oneHot), -1);
  return tf.where(valid, picked, tf.zerosLike(picked));
}

/**
 * Per-query rewards `[L,B,Q]` (the composite, or each reward separately for `normalise-then-sum`),
 * with gradient; the caller stops it where rewards must be constants.
 */
function perQueryRewards(inputs: GrqoInputs, rewards: readonly WeightedReward[], reduction: 'max' | 'matched', separate: boolean): Tensor[] {
  const [L, B, Q] = inputs.predLogits.shape as [number, number, number, number];
  const columns: Tensor[][] = separate ? rewards.map(() => []) : [[]];
  for (let b = 0; b < B; b++) {
    const gt = inputs.gts[b];
    if (!gt) throw new Error(`grqoLoss: gts has ${inputs.gts.length} images but the batch has ${B}`);
    const G = gt.boxes.shape[0];
    if (G === 0) {
      for (const col of columns) col.push(tf.zeros([L, Q]));
      continue;
    }
    const pred = {
      logits: tf.squeeze(tf.slice(inputs.predLogits, [0, b, 0, 0], [-1, 1, -1, -1]), [1]),
      boxes: tf.squeeze(tf.slice(inputs.predBoxes, [0, b, 0, 0], [-1, 1, -1, -1]), [1]),
    };
    const composite = compositeReward(rewards, pred, gt); // [L,Q,G]
    if (!separate) {
      columns[0].push(reduction === 'max' ? tf.max(composite, -1) : readAt(composite, gtChoice(composite, reduction)));
      continue;
    }
    const choice = gtChoice(composite, reduction);
    rewards.forEach(({ reward }, k) => columns[k].push(readAt(reward.matrix(pred, gt), choice)));
  }
  return columns.map((col) => tf.stack(col, 1)); // [L,B,Q] each
}

export function grqoLoss(inputs: GrqoInputs, config: GrqoLossConfig, options: GrqoLossOptions): GrqoLossOutput {
  const rewards = options.rewards;
  const normaliser = options.normaliser ?? new GroupNormaliser();
  const direct = (config.surrogate ?? 'score-function') === 'direct';
  const reduction = config.rewardReduction ?? 'max';
  const separate = (config.aggregation ?? 'sum-then-normalise') === 'normalise-then-sum';
  const [epsLow, epsHigh] = config.clip ?? [0.2, 0.28];
  const [L, B, Q] = inputs.predLogits.shape as [number, number, number, number];
  if (inputs.selLogits.shape[0] !== B || inputs.selLogits.shape[1] !== Q) {
    throw new Error(`grqoLoss: selLogits is [${inputs.selLogits.shape}] but predictions are [L=${L},B=${B},Q=${Q}]`);
  }
  const hasTargets = inputs.gts.map((g) => g.boxes.shape[0] > 0);

  const out = tf.tidy(() => {
    // 1–2. rewards: constants unless the surrogate is `direct`
    const predInputs = direct ? inputs : { ...inputs, predLogits: stopGradient(inputs.predLogits), predBoxes: stopGradient(inputs.predBoxes) };
    const perReward = perQueryRewards(predInputs, rewards, reduction, separate);
    const r = separate ? tf.addN(perReward.map((t, k) => tf.mul(t, rewards[k].weight))) : perReward[0];

    // 3. group-relative advantages
    let advantages = separate
      ? tf.addN(perReward.map((t, k) => tf.mul(normaliser.normalise(t, hasTargets), rewards[k].weight)))
      : normaliser.normalise(r, hasTargets);

    // 4. muting of the last queries in selection order
    const muted = Math.floor(config.muteFraction * Q);
    if (muted > 0) {
      const keep = tf.reshape(tf.concat([tf.ones([Q - muted]), tf.zeros([muted])]), [1, 1, Q]);
      advantages = tf.mul(advantages, keep);
    }

    // 5. surrogate
    const logPi = tf.log(tf.add(tf.sigmoid(inputs.selLogits), EPS)); // [B,Q]
    let surrogate: Tensor; // [L,B,Q]
    let ratioMean: Scalar | null = null;
    let clipFraction: Scalar | null = null;
    if (direct) {
      surrogate = advantages;
    } else if (inputs.oldSelLogits) {
      const logOld = tf.log(tf.add(tf.sigmoid(stopGradient(inputs.oldSelLogits)), EPS));
      const ratio = tf.exp(tf.sub(logPi, logOld));
      const unclipped = tf.mul(ratio, advantages);
      const clipped = tf.mul(tf.clipByValue(ratio, 1 - epsLow, 1 + epsHigh), advantages);
      surrogate = tf.minimum(unclipped, clipped); // same shapes: [L,B,Q] both
      const r = stopGradient(ratio);
      ratioMean = tf.mean(r) as Scalar;
      const low = tf.logicalAnd(tf.less(r, 1 - epsLow), tf.less(advantages, 0));
      const high = tf.logicalAnd(tf.greater(r, 1 + epsHigh), tf.greater(advantages, 0));
      clipFraction = tf.mean(tf.cast(tf.logicalOr(low, high), 'float32')) as Scalar;
    } else {
      const ratio = tf.exp(tf.sub(logPi, stopGradient(logPi))); // value 1, gradient ∇log π
      surrogate = tf.mul(ratio, advantages);
    }

    // 6. KL to the reference (k3)
    let kl: Tensor = tf.zeros([B, Q]);
    if (inputs.refSelLogits) {
      const piRef = tf.add(tf.sigmoid(stopGradient(inputs.refSelLogits)), EPS);
      const pi = tf.add(tf.sigmoid(inputs.selLogits), EPS);
      kl = tf.sub(tf.add(tf.sub(tf.div(piRef, pi), tf.log(piRef)), tf.log(pi)), 1);
    }

    // 7. per-layer loss, summed over layers
    const perQuery = tf.add(tf.mul(surrogate, -config.alpha), tf.mul(kl, config.beta)); // [L,B,Q]
    const layerLosses = tf.mean(perQuery, [1, 2]) as Tensor1D;
    return {
      loss: tf.sum(layerLosses) as Scalar,
      layerLosses,
      rewards: r as Tensor3D,
      advantages: advantages as Tensor3D,
      kl: kl as Tensor2D,
      clipStats: ratioMean && clipFraction ? [ratioMean, clipFraction] : [],
    };
  });
  const { clipStats, ...rest } = out;
  return { ...rest, ratioMean: (clipStats[0] as Scalar | undefined) ?? null, clipFraction: (clipStats[1] as Scalar | undefined) ?? null };
}
