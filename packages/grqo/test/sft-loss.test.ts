import { cxcywhToXyxyArray, giouArray, initBackend, silentLogger, tf, type Box } from '@dino-r1/core';
import { hungarianMatch, sftLoss } from '../src';
import { dinoMatchRewards } from './rewards';

const matchRewards = dinoMatchRewards();

const sig = (x: number) => 1 / (1 + Math.exp(-x));
/** torchvision sigmoid_focal_loss for one logit, float64. */
function focal(x: number, t: number, a = 0.25, g = 2): number {
  const p = sig(x);
  const ce = -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
  const pt = p * t + (1 - p) * (1 - t);
  return (a * t + (1 - a) * (1 - t)) * ce * (1 - pt) ** g;
}
const giou = (a: number[], b: number[]) => giouArray(cxcywhToXyxyArray(a as unknown as Box), cxcywhToXyxyArray(b as unknown as Box));
/** DINO matching cost, float64. */
function cost(logit: number, box: number[], gt: number[]): number {
  const p = sig(logit);
  const cls = 0.25 * (1 - p) ** 2 * -Math.log(p + 1e-8) - 0.75 * p ** 2 * -Math.log(1 - p + 1e-8);
  const l1 = box.reduce((s, v, k) => s + Math.abs(v - gt[k]), 0);
  return 2 * cls + 5 * l1 - 2 * giou(box, gt);
}
/** Brute-force optimal matching: every injective GT → query map. */
function bruteMatch(logits: number[][], boxes: number[][], gtBoxes: number[][], labels: number[]): number[] {
  let best = Infinity;
  let bestMap: number[] = [];
  const rec = (j: number, used: Set<number>, acc: number, map: number[]) => {
    if (j === gtBoxes.length) {
      if (acc < best) [best, bestMap] = [acc, [...map]];
      return;
    }
    for (let q = 0; q < boxes.length; q++) {
      if (used.has(q)) continue;
      used.add(q);
      rec(j + 1, used, acc + cost(logits[q][labels[j]], boxes[q], gtBoxes[j]), [...map, q]);
      used.delete(q);
    }
  };
  rec(0, new Set(), 0, []);
  return bestMap; // bestMap[j] = query matched to GT j
}

function rand(seed: number) {
  let s = seed;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('SFT losses (DINO)', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  const r = rand(5);
  const L = 2,
    B = 2,
    Q = 4,
    K = 3;
  const logits = Array.from({ length: L }, () =>
    Array.from({ length: B }, () => Array.from({ length: Q }, () => Array.from({ length: K }, () => r() * 4 - 2))),
  );
  const boxes = Array.from({ length: L }, () =>
    Array.from({ length: B }, () => Array.from({ length: Q }, () => [0.2 + 0.6 * r(), 0.2 + 0.6 * r(), 0.1 + 0.3 * r(), 0.1 + 0.3 * r()])),
  );
  const gtBoxes = [
    [
      [0.3, 0.4, 0.2, 0.3],
      [0.7, 0.6, 0.25, 0.2],
    ],
    [],
  ];
  const gtLabels = [[2, 0], []];
  const gts = gtBoxes.map((g, b) => ({
    boxes: g.length ? tf.tensor2d(g) : tf.zeros([0, 4]),
    labels: tf.tensor1d(gtLabels[b], 'int32'),
  }));

  it('matches like brute force and equals the hand-computed losses', () => {
    const out = sftLoss({ predLogits: tf.tensor4d(logits), predBoxes: tf.tensor4d(boxes), gts }, { matchRewards });
    const numBoxes = 2;
    for (let l = 0; l < L; l++) {
      const map = bruteMatch(logits[l][0], boxes[l][0], gtBoxes[0], gtLabels[0]);
      const m = out.matches[l][0];
      const got = new Map(Array.from(m.targets).map((t, k) => [t, m.queries[k]]));
      map.forEach((q, j) => expect(got.get(j)).toBe(q));
      expect(out.matches[l][1].queries.length).toBe(0);
      let cls = 0;
      for (let b = 0; b < B; b++)
        for (let q = 0; q < Q; q++)
          for (let k = 0; k < K; k++) {
            const j = b === 0 ? map.indexOf(q) : -1;
            cls += focal(logits[l][b][q][k], j >= 0 && gtLabels[0][j] === k ? 1 : 0);
          }
      let l1 = 0;
      let gi = 0;
      map.forEach((q, j) => {
        l1 += boxes[l][0][q].reduce((s, v, k) => s + Math.abs(v - gtBoxes[0][j][k]), 0);
        gi += 1 - giou(boxes[l][0][q], gtBoxes[0][j]);
      });
      const p = l === L - 1 ? '' : `d${l}.`;
      expect(out.parts[`${p}loss_cls`].arraySync()).toBeCloseTo((1 * cls) / numBoxes, 5);
      expect(out.parts[`${p}loss_bbox`].arraySync()).toBeCloseTo((5 * l1) / numBoxes, 5);
      expect(out.parts[`${p}loss_giou`].arraySync()).toBeCloseTo((2 * gi) / numBoxes, 5);
    }
    const total = Object.values(out.parts).reduce((s, t) => s + (t.arraySync() as number), 0);
    expect(out.loss.arraySync()).toBeCloseTo(total, 5);
  });

  it('adds encoder-proposal and denoising terms; padding prompts never count', () => {
    const proposalLogits = tf.tensor3d(logits[0]);
    const proposalBoxes = tf.tensor3d(boxes[0]);
    const dn = {
      predLogits: tf.tensor4d(logits),
      predBoxes: tf.tensor4d(boxes),
      pairs: [
        { queries: Int32Array.from([1, 3]), targets: Int32Array.from([0, 1]) },
        { queries: new Int32Array(0), targets: new Int32Array(0) },
      ],
    };
    const out = sftLoss(
      { predLogits: tf.tensor4d(logits), predBoxes: tf.tensor4d(boxes), proposalLogits, proposalBoxes, denoising: dn, gts },
      { matchRewards },
    );
    expect(Object.keys(out.parts).sort()).toEqual(
      ['', 'd0.', 'enc.', 'dn.', 'dn.d0.'].flatMap((p) => ['loss_bbox', 'loss_cls', 'loss_giou'].map((n) => p + n)).sort(),
    );
    // encoder proposals = layer 0's predictions here: same matching, same losses
    expect(out.parts['enc.loss_bbox'].arraySync()).toBeCloseTo(out.parts['d0.loss_bbox'].arraySync(), 6);
    // DN uses the given pairs: query 1 ↔ GT 0, query 3 ↔ GT 1 of the last layer
    const l1 = [1, 3].reduce((s, q, j) => s + boxes[1][0][q].reduce((a, v, k) => a + Math.abs(v - gtBoxes[0][j][k]), 0), 0);
    expect(out.parts['dn.loss_bbox'].arraySync()).toBeCloseTo((5 * l1) / 2, 5);

    // a padding prompt (index 2 of image 1, logit -inf) changes nothing when masked
    const padded = logits.map((lay) => lay.map((img, b) => img.map((q) => q.map((v, k) => (b === 1 && k === 2 ? -Infinity : v)))));
    const promptMask = tf.tensor2d([
      [0, 0, 0],
      [0, 0, 1],
    ]);
    const masked = sftLoss({ predLogits: tf.tensor4d(padded), predBoxes: tf.tensor4d(boxes), gts }, { matchRewards, promptMask });
    const reference = sftLoss({ predLogits: tf.tensor4d(logits), predBoxes: tf.tensor4d(boxes), gts }, { matchRewards, promptMask });
    expect(Number.isFinite(masked.loss.arraySync())).toBe(true);
    expect(masked.loss.arraySync()).toBeCloseTo(reference.loss.arraySync(), 6);
  });

  it('divides the denoising terms by GT boxes × DN groups (DINO num_boxes·scalar, mmdetection avg_factor)', () => {
    // 2 groups × (2 positives + 2 negatives) for image 0's two GT; image 1 has none
    const Qdn = 8;
    const dnLogits = Array.from({ length: L }, () =>
      Array.from({ length: B }, () => Array.from({ length: Qdn }, () => Array.from({ length: K }, () => r() * 4 - 2))),
    );
    const dnBoxes = Array.from({ length: L }, () =>
      Array.from({ length: B }, () => Array.from({ length: Qdn }, () => [0.2 + 0.6 * r(), 0.2 + 0.6 * r(), 0.1 + 0.3 * r(), 0.1 + 0.3 * r()])),
    );
    const pairs = [
      { queries: Int32Array.from([0, 1, 4, 5]), targets: Int32Array.from([0, 1, 0, 1]) },
      { queries: new Int32Array(0), targets: new Int32Array(0) },
    ];
    const out = sftLoss(
      {
        predLogits: tf.tensor4d(logits),
        predBoxes: tf.tensor4d(boxes),
        denoising: { predLogits: tf.tensor4d(dnLogits), predBoxes: tf.tensor4d(dnBoxes), pairs },
        gts,
      },
      { matchRewards },
    );
    const norm = 2 * 2; // GT boxes × groups
    for (const [l, prefix] of [
      [L - 1, 'dn.'],
      [0, 'dn.d0.'],
    ] as const) {
      let cls = 0;
      for (let b = 0; b < B; b++)
        for (let q = 0; q < Qdn; q++)
          for (let k = 0; k < K; k++) {
            const j = b === 0 ? [...pairs[0].queries].indexOf(q) : -1;
            cls += focal(dnLogits[l][b][q][k], j >= 0 && gtLabels[0][pairs[0].targets[j]] === k ? 1 : 0);
          }
      let l1 = 0;
      let g = 0;
      pairs[0].queries.forEach((q, j) => {
        const box = dnBoxes[l][0][q];
        const t = gtBoxes[0][pairs[0].targets[j]];
        l1 += box.reduce((s, v, k) => s + Math.abs(v - t[k]), 0);
        g += 1 - giou(box, t);
      });
      expect(out.parts[`${prefix}loss_cls`].arraySync()).toBeCloseTo(cls / norm, 5);
      expect(out.parts[`${prefix}loss_bbox`].arraySync()).toBeCloseTo((5 * l1) / norm, 5);
      expect(out.parts[`${prefix}loss_giou`].arraySync()).toBeCloseTo((2 * g) / norm, 5);
    }
  });

  it('takes its loss weights and focal α, γ from the options (config.sft)', () => {
    const inputs = { predLogits: tf.tensor4d(logits), predBoxes: tf.tensor4d(boxes), gts };
    const base = sftLoss(inputs, { matchRewards });
    const custom = sftLoss(inputs, { matchRewards, weights: { class: 3, bbox: 1, giou: 0.5 }, focalAlpha: 0.25, focalGamma: 2 });
    expect(custom.parts.loss_cls.arraySync()).toBeCloseTo(3 * (base.parts.loss_cls.arraySync() as number), 5);
    expect(custom.parts.loss_bbox.arraySync()).toBeCloseTo((base.parts.loss_bbox.arraySync() as number) / 5, 5);
    expect(custom.parts.loss_giou.arraySync()).toBeCloseTo((base.parts.loss_giou.arraySync() as number) / 4, 5);
    const gamma0 = sftLoss(inputs, { matchRewards, focalAlpha: 0.5, focalGamma: 0 });
    // γ = 0, α = 0.5: the focal loss is half the binary cross-entropy; 2 GT boxes in the batch
    let bce = 0;
    const m = base.matches[L - 1];
    for (let b = 0; b < B; b++)
      for (let q = 0; q < Q; q++)
        for (let k = 0; k < K; k++) {
          const j = [...m[b].queries].indexOf(q);
          const t = j >= 0 && gtLabels[b][m[b].targets[j]] === k ? 1 : 0;
          const p = sig(logits[L - 1][b][q][k]);
          bce -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
        }
    expect(gamma0.parts.loss_cls.arraySync()).toBeCloseTo((0.5 * bce) / 2, 5);
  });

  it('is differentiable with respect to logits and boxes', () => {
    const [gl, gb] = tf.grads((lg, bx) => sftLoss({ predLogits: lg, predBoxes: bx, gts }, { matchRewards }).loss)([tf.tensor4d(logits), tf.tensor4d(boxes)]);
    expect(tf.sum(tf.abs(gl)).arraySync()).toBeGreaterThan(0);
    expect(tf.sum(tf.abs(gb)).arraySync()).toBeGreaterThan(0);
    // image 1 has no GT: its boxes get no gradient, its logits only the negative focal term
    const gbi = gb.arraySync() as number[][][][];
    expect(gbi[1][1].flat().every((v) => v === 0)).toBe(true);
  });

  it('hungarianMatch handles every image of a batch independently', () => {
    const m = hungarianMatch(tf.tensor4d(logits), tf.tensor4d(boxes), gts, matchRewards);
    expect(m.length).toBe(L);
    expect(m[0].length).toBe(B);
  });
});
