/**
 * Time of one GRQO loss evaluation (forward, and forward + gradient w.r.t. the selection logits) at the
 * issue's size: B=2, L=6, Q=900, K=80, G=20; and of the SFT loss (6 Hungarian matchings per image)
 * at the same size for comparison.   npm run bench -w @dino-r1/grqo
 */
import { initBackend, medianSeconds, silentLogger, tf, type BackendPreference } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ClassificationReward, GiouReward, L1Reward } from '@dino-r1/rewards';
import { grqoLoss, matchRewards, sftLoss } from '../src';

const builtIn = { classification: new ClassificationReward(), l1: new L1Reward(), giou: new GiouReward() };
const match = matchRewards((name) => builtIn[name]);
const rewards = match; // the paper's GRQO weights equal DINO's matching cost (2, 5, 2)

async function main(): Promise<void> {
  const B = 2,
    L = 6,
    Q = 900,
    K = 80,
    G = 20;
  const rows: Array<Record<string, string | number>> = [];
  for (const backend of ['wasm', 'cpu'] as BackendPreference[]) {
    await initBackend(backend, { logger: silentLogger });
    const sel = tf.randomNormal([B, Q], 0, 1, 'float32', 1);
    const ref = tf.randomNormal([B, Q], 0, 1, 'float32', 2);
    const logits = tf.randomNormal([L, B, Q, K], 0, 1, 'float32', 3);
    const boxes = tf.sigmoid(tf.randomNormal([L, B, Q, 4], 0, 1, 'float32', 4));
    const gts = Array.from({ length: B }, (_, b) => ({
      boxes: tf.sigmoid(tf.randomNormal([G, 4], 0, 1, 'float32', 10 + b)),
      labels: tf.randomUniform([G], 0, K, 'int32', 20 + b),
    }));
    const cfg = { alpha: 0.01, beta: 0.04, muteFraction: 1 / 3 };
    const forward = medianSeconds(
      () => tf.tidy(() => grqoLoss({ selLogits: sel, refSelLogits: ref, predLogits: logits, predBoxes: boxes, gts }, cfg, { rewards }).loss.dataSync()),
      5,
    );
    const withGrad = medianSeconds(
      () =>
        tf.tidy(() =>
          tf
            .grad((s: Tensor) => grqoLoss({ selLogits: s, refSelLogits: ref, predLogits: logits, predBoxes: boxes, gts }, cfg, { rewards }).loss)(sel)
            .dataSync(),
        ),
      5,
    );
    const sft = medianSeconds(
      () =>
        tf.tidy(() =>
          tf
            .grads((l: Tensor, b: Tensor) => sftLoss({ predLogits: l, predBoxes: b, gts }, { matchRewards: match }).loss)([logits, boxes])
            .forEach((g) => g.dataSync()),
        ),
      3,
    );
    rows.push({
      backend,
      'GRQO forward ms': +(forward * 1e3).toFixed(1),
      'GRQO fwd+grad ms': +(withGrad * 1e3).toFixed(1),
      'SFT fwd+grad ms': +(sft * 1e3).toFixed(1),
    });
  }
  console.log(`\nGRQO / SFT loss, B=${B} L=${L} Q=${Q} K=${K} G=${G}`);
  console.table(rows);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
