import { initBackend, lcg, silentLogger, tf } from '@dino-r1/core';
import { denoisingQueries } from '../src';

describe('denoising queries', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  const gts = [
    {
      boxes: tf.tensor2d([
        [0.5, 0.5, 0.2, 0.2],
        [0.3, 0.3, 0.1, 0.2],
      ]),
      labels: tf.tensor1d([1, 0], 'int32'),
    },
    { boxes: tf.tensor2d([[0.6, 0.4, 0.3, 0.3]]), labels: tf.tensor1d([0], 'int32') },
  ];
  const prompts = tf.tensor3d([
    [
      [1, 0],
      [0, 1],
      [5, 5],
    ],
    [
      [2, 0],
      [0, 2],
      [9, 9],
    ],
  ]);
  const mask = [
    [0, 0, 1],
    [0, 0, 1],
  ];

  it('positives stay within half a box, negatives between one and two halves; pairs point at positives', () => {
    const dn = denoisingQueries(gts, prompts, mask, lcg(3), { budget: 8, labelNoise: 0, boxNoise: 1 })!;
    // maxGT 2 → 4 queries per group → 2 groups
    expect(dn.numQueries).toBe(8);
    expect(dn.pairs[0]).toEqual({ queries: Int32Array.from([0, 1, 4, 5]), targets: Int32Array.from([0, 1, 0, 1]) });
    expect(dn.pairs[1]).toEqual({ queries: Int32Array.from([0, 4]), targets: Int32Array.from([0, 0]) });
    const refs = dn.references.arraySync() as number[][][];
    const corners = ([cx, cy, w, h]: number[]) => [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
    const gt = corners([0.5, 0.5, 0.2, 0.2]);
    corners(refs[0][0]).forEach((v, k) => expect(Math.abs(v - gt[k])).toBeLessThanOrEqual(0.1 + 1e-6));
    const negDist = corners(refs[0][2]).map((v, k) => Math.abs(v - gt[k]));
    expect(Math.max(...negDist)).toBeGreaterThanOrEqual(0.1 - 1e-6);
    // without label noise the content is the GT's prompt embedding; padding GT slots are zero
    const content = dn.content.arraySync() as number[][][];
    expect(content[0][0]).toEqual([0, 1]);
    expect(content[1][0]).toEqual([2, 0]);
    expect(content[1][1]).toEqual([0, 0]); // image 1 has one GT: slot 1 is padding
  });

  it('the attention mask hides groups from each other and every denoising query from the matching ones', () => {
    const dn = denoisingQueries(gts, prompts, mask, lcg(4), { budget: 8 })!;
    const m = dn.attentionMask(3).arraySync() as number[][];
    expect(m).toHaveLength(11);
    expect(m[0][1]).toBe(0); // same group
    expect(m[0][4]).toBe(1); // other group
    expect(m[0][9]).toBe(0); // denoising sees matching queries
    expect(m[9][0]).toBe(1); // matching never sees denoising
    expect(m[9][10]).toBe(0);
  });

  it('label noise only picks real prompts and is reproducible from the seed', () => {
    const a = denoisingQueries(gts, prompts, mask, lcg(7), { budget: 40, labelNoise: 1 })!.content.arraySync() as number[][][];
    const b = denoisingQueries(gts, prompts, mask, lcg(7), { budget: 40, labelNoise: 1 })!.content.arraySync() as number[][][];
    expect(a).toEqual(b);
    a[0].forEach((row) => expect(row).not.toEqual([5, 5]));
  });
});
