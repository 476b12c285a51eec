/**
 * The negative-prompt pool (`data.negativePrompts`): it keeps the newest embedding of every category it has
 * seen, adds only categories absent from a batch (at most `size`, seeded), appends them after the box
 * prompts as real (unmasked) slots that no GT label points at, frees what it made, and round-trips its state.
 */
import { initBackend, silentLogger, tf } from '@dino-r1/core';
import { NegativePromptPool, type DetectorBatch } from '../src';

function batch(categories: number[], d = 4): { b: DetectorBatch; emb: tf.Tensor } {
  const K = categories.length;
  const b: DetectorBatch = {
    images: {
      pixels: tf.zeros([2, 8, 8, 3]) as tf.Tensor4D,
      mask: tf.zeros([2, 8, 8]) as tf.Tensor3D,
      sizes: [
        [8, 8],
        [8, 8],
      ],
    },
    prompts: {
      boxes: tf.fill([2, K, 4], 0.3) as tf.Tensor3D,
      sourceImage: tf.zeros([2, K], 'int32') as tf.Tensor2D,
      mask: tf.zeros([2, K]) as tf.Tensor2D,
      categoryIds: [categories, categories],
    },
    gts: [
      { boxes: tf.tensor2d([[0.5, 0.5, 0.2, 0.2]]), labels: tf.tensor1d([0], 'int32') },
      { boxes: tf.zeros([0, 4]), labels: tf.tensor1d([], 'int32') },
    ],
  };
  // embedding of category c: every value c (row 0 is what the pool reads)
  const emb = tf.tensor3d([0, 1].map(() => categories.map((c) => Array.from({ length: d }, () => c))));
  return { b, emb };
}

describe('NegativePromptPool', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('adds up to `size` categories absent from the batch, as finished embeddings after the box prompts', () => {
    const pool = new NegativePromptPool(2);
    const first = batch([1, 2, 3, 4]);
    expect(pool.add(first.b, 1)).toBe(first.b); // nothing seen yet: the batch as it is
    pool.observe(first.b, first.emb);
    expect(pool.categories()).toEqual([1, 2, 3, 4]);

    const next = batch([2, 5]);
    const before = tf.memory().numTensors;
    const aug = pool.add(next.b, 7);
    const added = aug.prompts.categoryIds[0].slice(2);
    expect(added).toHaveLength(2);
    for (const c of added) expect([1, 3, 4]).toContain(c); // never a category of the batch
    expect(aug.prompts.mask.shape).toEqual([2, 4]);
    expect(Array.from(aug.prompts.mask.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(aug.promptMask).toBe(aug.prompts.mask);
    expect(aug.prompts.negatives!.arraySync()).toEqual(added.map((c) => [c, c, c, c]));
    expect(aug.gts).toBe(next.b.gts); // labels still index the batch's own prompts only
    // the same seed picks the same negatives; observing the augmented batch learns only its own prompts
    const again = pool.add(next.b, 7);
    expect(again.prompts.categoryIds[0]).toEqual(aug.prompts.categoryIds[0]);
    pool.release(again);
    pool.observe(
      aug,
      tf.tensor3d(
        [0, 1].map(() => [
          [20, 20, 20, 20],
          [50, 50, 50, 50],
          [9, 9, 9, 9],
          [9, 9, 9, 9],
        ]),
      ),
    );
    expect(pool.categories()).toEqual([1, 2, 3, 4, 5]);
    expect(pool.state().get('2')!.arraySync()).toEqual([20, 20, 20, 20]);
    expect(pool.state().get(String(added[0]))!.arraySync()).toEqual([added[0], added[0], added[0], added[0]]);
    pool.release(aug);
    expect(tf.memory().numTensors).toBe(before + 2); // the two observed tensors (the old '2' entry was freed)
    pool.dispose();
  });

  it('state round-trips; size 0 adds nothing', () => {
    const pool = new NegativePromptPool(5);
    const first = batch([1, 2]);
    pool.observe(first.b, first.emb);
    const copy = new NegativePromptPool(5);
    copy.loadState(pool.state());
    expect(copy.categories()).toEqual([1, 2]);
    const aug = copy.add(batch([7]).b, 3);
    expect(aug.prompts.categoryIds[0][0]).toBe(7);
    expect([...aug.prompts.categoryIds[0].slice(1)].sort()).toEqual([1, 2]);
    const none = new NegativePromptPool(0);
    none.loadState(pool.state());
    const b = batch([7]).b;
    expect(none.add(b, 1)).toBe(b);
    expect(() => new NegativePromptPool(-1)).toThrow(/integer ≥ 0/);
  });
});
