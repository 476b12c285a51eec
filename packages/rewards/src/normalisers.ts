/**
 * Advantage normalisers (DESIGN.md §6.3): per-query rewards `[L,B,Q]` → advantages `[L,B,Q]`.
 * Images without GT (`hasTargets[b] = false`) get advantage 0 in every normaliser. Advantages carry no
 * gradient in the score-function surrogate; the tensor ops here are differentiable all the same.
 */
import { tf, type AdvantageNormaliser } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

const EPS = 1e-6;

/** `a` `[L,B,Q]` with exact zeros (not −0, not NaN·0) on the images without GT. */
function zeroImagesWithoutTargets(a: Tensor, hasTargets: readonly boolean[]): Tensor {
  const keep = tf.broadcastTo(
    tf.tensor3d(
      hasTargets.map((h) => (h ? 1 : 0)),
      [1, hasTargets.length, 1],
      'bool',
    ),
    a.shape,
  );
  return tf.where(keep, a, tf.zerosLike(a));
}

/** Unbiased standard deviation along `axis` (kept), as torch.std. */
function unbiasedStd(x: Tensor, axis: number[], count: number): Tensor {
  const mean = tf.mean(x, axis, true);
  return tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(x, mean)), axis, true), Math.max(count - 1, 1)));
}

/** The paper's: `(r − mean) / (std + 1e−6)` over the Q queries of one (layer, image). */
export class GroupNormaliser implements AdvantageNormaliser {
  readonly name = 'group';
  normalise(rewards: Tensor, hasTargets: readonly boolean[]): Tensor {
    return tf.tidy(() => {
      const q = rewards.shape[2] ?? 0;
      if (q < 2) return tf.zerosLike(rewards);
      const centred = tf.sub(rewards, tf.mean(rewards, 2, true));
      const a = tf.div(centred, tf.add(unbiasedStd(rewards, [2], q), EPS));
      return zeroImagesWithoutTargets(a, hasTargets);
    });
  }
}

/** Normalises over every query of every image with GT in the batch, per layer. */
export class BatchNormaliser implements AdvantageNormaliser {
  readonly name = 'batch';
  normalise(rewards: Tensor, hasTargets: readonly boolean[]): Tensor {
    return tf.tidy(() => {
      const keep = hasTargets.flatMap((h, b) => (h ? [b] : []));
      const q = rewards.shape[2] ?? 0;
      if (keep.length * q < 2) return tf.zerosLike(rewards);
      const kept = tf.gather(rewards, keep, 1);
      const mean = tf.mean(kept, [1, 2], true);
      const std = unbiasedStd(kept, [1, 2], keep.length * q);
      return zeroImagesWithoutTargets(tf.div(tf.sub(rewards, mean), tf.add(std, EPS)), hasTargets);
    });
  }
}

/** Raw rewards as advantages (an ablation). */
export class NoNormaliser implements AdvantageNormaliser {
  readonly name = 'none';
  normalise(rewards: Tensor, hasTargets: readonly boolean[]): Tensor {
    return tf.tidy(() => zeroImagesWithoutTargets(rewards, hasTargets));
  }
}

/**
 * Rank-based: within each (layer, image) the queries' average ranks (ties share their mean rank)
 * mapped linearly onto [−1, 1] — robust to reward outliers and scale. Computed on the host.
 */
export class RankNormaliser implements AdvantageNormaliser {
  readonly name = 'rank';
  normalise(rewards: Tensor, hasTargets: readonly boolean[]): Tensor {
    const [L, B, Q] = rewards.shape;
    const r = rewards.dataSync();
    const out = new Float32Array(r.length);
    for (let l = 0; l < L; l++) {
      for (let b = 0; b < B; b++) {
        if (!hasTargets[b] || Q < 2) continue;
        const base = (l * B + b) * Q;
        const order = Array.from({ length: Q }, (_, i) => i).sort((x, y) => r[base + x] - r[base + y]);
        for (let s = 0; s < Q; ) {
          let e = s;
          while (e + 1 < Q && r[base + order[e + 1]] === r[base + order[s]]) e++;
          const rank = (s + e) / 2;
          for (let k = s; k <= e; k++) out[base + order[k]] = (2 * rank) / (Q - 1) - 1;
          s = e + 1;
        }
      }
    }
    return tf.tensor3d(out, [L, B, Q]);
  }
}
