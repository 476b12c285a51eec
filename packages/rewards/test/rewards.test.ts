import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createContainer,
  initBackend,
  loadTensors,
  silentLogger,
  tf,
  TOKENS,
  giouArray,
  iouArray,
  cxcywhToXyxyArray,
  type Box,
  type WeightedReward,
} from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { ClassificationReward, compositeReward, GiouReward, IouReward, L1Reward, rewardsPlugin } from '../src';

const FIXTURES = resolve(__dirname, '../../../../shared/fixtures/grqo');

function fixture(name: string): Map<string, Tensor> {
  const path = join(FIXTURES, `${name}.safetensors`);
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the tests need ../shared beside the repository`);
  return loadTensors(path).tensors;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Host-side float64 references of DESIGN.md §6.1, written independently of the tensor code. */
const host = {
  classification: (logit: number) => {
    const p = sigmoid(logit);
    return -(0.25 * (1 - p) ** 2 * -Math.log(p + 1e-8) - 0.75 * p ** 2 * -Math.log(1 - p + 1e-8));
  },
  l1: (b: number[], g: number[]) => -b.reduce((s, v, k) => s + Math.abs(v - g[k]), 0),
  giou: (b: number[], g: number[]) => giouArray(cxcywhToXyxyArray(b as unknown as Box), cxcywhToXyxyArray(g as unknown as Box)),
  iou: (b: number[], g: number[]) => iouArray(cxcywhToXyxyArray(b as unknown as Box), cxcywhToXyxyArray(g as unknown as Box)),
};

describe('reward plugins', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  const logits = [
    [2.0, -1.0, 0.5],
    [-3.0, 0.1, 4.0],
    [0.0, 0.0, -0.7],
  ];
  const boxes = [
    [0.5, 0.5, 0.2, 0.3],
    [0.3, 0.6, 0.4, 0.2],
    [0.8, 0.2, 0.1, 0.1],
  ];
  const gtBoxes = [
    [0.45, 0.55, 0.25, 0.3],
    [0.75, 0.25, 0.2, 0.15],
  ];
  const labels = [2, 0];

  it.each([
    ['classification', new ClassificationReward(), (i: number, j: number) => host.classification(logits[i][labels[j]])],
    ['l1', new L1Reward(), (i: number, j: number) => host.l1(boxes[i], gtBoxes[j])],
    ['giou', new GiouReward(), (i: number, j: number) => host.giou(boxes[i], gtBoxes[j])],
    ['iou', new IouReward(), (i: number, j: number) => host.iou(boxes[i], gtBoxes[j])],
  ] as const)('%s reward matrix equals the float64 host formula', (_n, reward, expected) => {
    const m = reward.matrix({ logits: tf.tensor2d(logits), boxes: tf.tensor2d(boxes) }, { boxes: tf.tensor2d(gtBoxes), labels: tf.tensor1d(labels, 'int32') });
    expect(m.shape).toEqual([3, 2]);
    const v = m.arraySync() as number[][];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(v[i][j]).toBeCloseTo(expected(i, j), 5);
  });

  it('handles images without GT ([Q,0]) and leading layer dimensions', () => {
    const r = new GiouReward().matrix(
      { logits: tf.zeros([2, 3, 4]), boxes: tf.fill([2, 3, 4], 0.5) },
      { boxes: tf.zeros([0, 4]), labels: tf.zeros([0], 'int32') },
    );
    expect(r.shape).toEqual([2, 3, 0]);
    const c = new ClassificationReward().matrix(
      { logits: tf.zeros([2, 3, 4]), boxes: tf.fill([2, 3, 4], 0.5) },
      { boxes: tf.zeros([1, 4]), labels: tf.tensor1d([3], 'int32') },
    );
    expect(c.shape).toEqual([2, 3, 1]);
  });

  it('the paper composite reproduces the per-query rewards of the official GRQO fixtures', () => {
    const container = createContainer({}, [rewardsPlugin], { logger: silentLogger });
    const rewards = container.get<WeightedReward[]>(TOKENS.ActiveRewards);
    expect(rewards.map((r) => [r.reward.name, r.weight])).toEqual([
      ['classification', 2],
      ['l1', 5],
      ['giou', 2],
    ]);
    for (const name of ['paper_small', 'paper_nogt_image']) {
      const f = fixture(name);
      const predLogits = f.get('pred_logits')!; // [L,B,Q,K]
      const predBoxes = f.get('pred_boxes')!;
      const expected = f.get('expected.rewards')!.arraySync() as number[][][]; // [L,B,Q]
      const [, B] = predLogits.shape;
      for (let b = 0; b < B; b++) {
        const gt = { boxes: f.get(`gt.${b}.boxes`)!, labels: f.get(`gt.${b}.labels`)! };
        const pred = {
          logits: tf.squeeze(tf.slice(predLogits, [0, b, 0, 0], [-1, 1, -1, -1]), [1]), // [L,Q,K]
          boxes: tf.squeeze(tf.slice(predBoxes, [0, b, 0, 0], [-1, 1, -1, -1]), [1]),
        };
        const G = gt.boxes.shape[0];
        const perQuery = G === 0 ? null : (tf.max(compositeReward(rewards, pred, gt), -1).arraySync() as number[][]);
        for (let l = 0; l < expected.length; l++) {
          for (let q = 0; q < expected[l][b].length; q++) {
            const e = expected[l][b][q];
            const got = perQuery ? perQuery[l][q] : 0; // images without GT: reward 0
            expect(Math.abs(got - e)).toBeLessThanOrEqual(1e-5 + 1e-3 * Math.abs(e));
          }
        }
      }
    }
  });

  it('is differentiable with respect to logits and boxes (for the direct surrogate)', () => {
    const container = createContainer({}, [rewardsPlugin], { logger: silentLogger });
    const rewards = container.get<WeightedReward[]>(TOKENS.ActiveRewards);
    const gt = { boxes: tf.tensor2d(gtBoxes), labels: tf.tensor1d(labels, 'int32') };
    const [gl, gb] = tf.grads((l: Tensor, b: Tensor) => tf.sum(compositeReward(rewards, { logits: l, boxes: b }, gt)))([
      tf.tensor2d(logits),
      tf.tensor2d(boxes),
    ]);
    expect(gl.shape).toEqual([3, 3]);
    expect(gb.shape).toEqual([3, 4]);
    // the middle prompt (index 1) is nobody's label: no gradient reaches it
    expect((gl.arraySync() as number[][]).map((r) => r[1])).toEqual([0, 0, 0]);
    expect(tf.sum(tf.abs(gb)).arraySync()).toBeGreaterThan(0);
  });
});
