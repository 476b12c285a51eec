import type { Tensor } from '@tensorflow/tfjs-core';
import {
  boxArea,
  cxcywhToXyxy,
  cxcywhToXyxyArray,
  giouArray,
  initBackend,
  iouArray,
  pairwiseArray,
  pairwiseGiou,
  pairwiseIou,
  silentLogger,
  tf,
  xyxyToCxcywh,
  xyxyToCxcywhArray,
  type Box,
} from '../src';

const A: Box[] = [
  [0, 0, 2, 2],
  [1, 1, 3, 4],
  [5, 5, 6, 7],
];
const B: Box[] = [
  [1, 0, 3, 2],
  [0, 0, 2, 2],
];

describe('box ops', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('computes IoU and GIoU by hand on plain arrays', () => {
    // A0 vs B0: intersection 1×2 = 2, union 4 + 4 - 2 = 6, enclosing 3×2 = 6
    expect(iouArray(A[0], B[0])).toBeCloseTo(2 / 6, 12);
    expect(giouArray(A[0], B[0])).toBeCloseTo(2 / 6 - 0, 12);
    // A2 vs B1: disjoint; union 2 + 4, enclosing 6×7 = 42
    expect(iouArray(A[2], B[1])).toBe(0);
    expect(giouArray(A[2], B[1])).toBeCloseTo(0 - (42 - 6) / 42, 12);
    expect(iouArray(A[0], A[0])).toBe(1);
    expect(cxcywhToXyxyArray(xyxyToCxcywhArray(A[1]))).toEqual(A[1]);
  });

  it('tensor pairwise IoU/GIoU equal the array versions, with leading dimensions', () => {
    const iou = pairwiseArray(A, B, 'iou');
    const giou = pairwiseArray(A, B, 'giou');
    const a = tf.tensor3d([A.map((b) => [...b]), A.map((b) => [...b])]); // [2,3,4]
    const b = tf.tensor2d(B.map((b) => [...b]));
    const ti = pairwiseIou(a, b);
    const tg = pairwiseGiou(a, b);
    expect(ti.shape).toEqual([2, 3, 2]);
    const ti0 = (ti.arraySync() as number[][][])[0].flat();
    const tg0 = (tg.arraySync() as number[][][])[0].flat();
    ti0.forEach((v, k) => expect(v).toBeCloseTo(iou[k], 6));
    tg0.forEach((v, k) => expect(v).toBeCloseTo(giou[k], 6));
    const round = xyxyToCxcywh(cxcywhToXyxy(tf.tensor2d([[0.5, 0.4, 0.2, 0.3]]))).arraySync() as number[][];
    round[0].forEach((v, k) => expect(v).toBeCloseTo([0.5, 0.4, 0.2, 0.3][k], 6));
    expect(boxArea(tf.tensor2d([[0, 0, 2, 3]])).arraySync()).toEqual([6]);
  });

  // Coordinates avoid ties between boxes: at a tie min/max have a kink and finite differences are one-sided.
  it('has correct gradients (against central finite differences in float64 on the host)', () => {
    const a0 = [0.1, 0.2, 0.6, 0.7, 0.3, 0.1, 0.9, 0.5];
    const b0 = [0.2, 0.12, 0.5, 0.9, 0.05, 0.3, 0.4, 0.6, 0.7, 0.7, 0.95, 0.9];
    const weights = [0.3, -1.2, 0.7, 0.5, 2.0, -0.4];
    const lossTensor = (a: Tensor, b: Tensor) =>
      tf.sum(tf.mul(pairwiseGiou(tf.reshape(a, [2, 4]), tf.reshape(b, [3, 4])), tf.reshape(tf.tensor1d(weights), [2, 3])));
    const lossHost = (a: number[], b: number[]) => {
      let s = 0;
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++)
          s += weights[i * 3 + j] * giouArray(a.slice(i * 4, i * 4 + 4) as unknown as Box, b.slice(j * 4, j * 4 + 4) as unknown as Box);
      return s;
    };
    const [ga, gb] = tf.grads(lossTensor)([tf.tensor1d(a0), tf.tensor1d(b0)]);
    expect(ga.shape).toEqual([8]);
    expect(gb.shape).toEqual([12]);
    const h = 1e-6;
    const numeric = (x: number[], which: 'a' | 'b') =>
      x.map((_, k) => {
        const p = [...x];
        const m = [...x];
        p[k] += h;
        m[k] -= h;
        return which === 'a' ? (lossHost(p, b0) - lossHost(m, b0)) / (2 * h) : (lossHost(a0, p) - lossHost(a0, m)) / (2 * h);
      });
    const na = numeric(a0, 'a');
    const nb = numeric(b0, 'b');
    (ga.arraySync() as number[]).forEach((v, k) => expect(v).toBeCloseTo(na[k], 3));
    (gb.arraySync() as number[]).forEach((v, k) => expect(v).toBeCloseTo(nb[k], 3));
  });
});

describe('batchGather', () => {
  it('gathers per image along axis 1, with gradient', async () => {
    const { batchGather } = await import('../src');
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);
    const idx = tf.tensor2d(
      [
        [2, 0],
        [1, 1],
      ],
      [2, 2],
      'int32',
    );
    expect(batchGather(x, idx).arraySync()).toEqual([
      [
        [5, 6],
        [1, 2],
      ],
      [
        [9, 10],
        [9, 10],
      ],
    ]);
    const g = tf.grad((t: Tensor) => tf.sum(batchGather(t, idx)))(x);
    expect(g.arraySync()).toEqual([
      [
        [1, 1],
        [0, 0],
        [1, 1],
      ],
      [
        [0, 0],
        [2, 2],
        [0, 0],
      ],
    ]);
  });
});
