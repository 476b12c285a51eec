/**
 * The compositional synthetic vocabulary and its base/novel partition: 36 shape × pattern × colour
 * categories, a fixed partition whose novel categories are new combinations of attribute pairs seen in
 * base categories, scenes of a partition holding only its categories, and clear errors for options that
 * do not go together.
 */
import { COMPOSITIONAL_CATEGORIES, SyntheticReader, syntheticDataset } from '../src';

const attrs = (c: (typeof COMPOSITIONAL_CATEGORIES)[number]) => [c.shape, c.pattern, c.colour.join(',')] as const;

describe('compositional synthetic vocabulary', () => {
  it('has 36 distinct combinations with distinct ids and names; 27 base, 9 novel', () => {
    expect(COMPOSITIONAL_CATEGORIES).toHaveLength(36);
    expect(new Set(COMPOSITIONAL_CATEGORIES.map((c) => c.id)).size).toBe(36);
    expect(new Set(COMPOSITIONAL_CATEGORIES.map((c) => c.name)).size).toBe(36);
    expect(new Set(COMPOSITIONAL_CATEGORIES.map((c) => attrs(c).join('|'))).size).toBe(36);
    // (shape + pattern + colour) mod 4 = 0 with shapes disc 0 … diamond 3, patterns solid 0, striped 1, checkered 2, colours red 0, blue 1, yellow 2
    expect(COMPOSITIONAL_CATEGORIES.filter((c) => c.partition === 'novel').map((c) => c.name)).toEqual([
      'red disc',
      'yellow checkered disc',
      'yellow striped square',
      'blue checkered square',
      'yellow triangle',
      'blue striped triangle',
      'red checkered triangle',
      'blue diamond',
      'red striped diamond',
    ]);
    expect(COMPOSITIONAL_CATEGORIES.filter((c) => c.partition === 'novel')).toHaveLength(9);
  });

  it('every attribute pair of a novel category occurs in a base category (novel = new combinations)', () => {
    const base = COMPOSITIONAL_CATEGORIES.filter((c) => c.partition === 'base');
    for (const n of COMPOSITIONAL_CATEGORIES.filter((c) => c.partition === 'novel')) {
      const [s, p, c] = attrs(n);
      for (const [i, j] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ])
        expect([n.name, i, j, base.some((b) => attrs(b)[i] === [s, p, c][i] && attrs(b)[j] === [s, p, c][j])]).toEqual([n.name, i, j, true]);
    }
  });

  it.each(['base', 'novel', 'all'] as const)('partition=%s: the dataset lists and holds only that partition’s categories', (partition) => {
    const ds = syntheticDataset({ split: 'train', images: 40, vocabulary: 'compositional', partition });
    const ids = new Set(COMPOSITIONAL_CATEGORIES.filter((c) => partition === 'all' || c.partition === partition).map((c) => c.id));
    expect(new Set(ds.categories.map((c) => c.id))).toEqual(ids);
    const seen = new Set(ds.images.flatMap((i) => i.annotations.map((a) => a.categoryId)));
    for (const id of seen) expect(ids.has(id)).toBe(true);
    expect(seen.size).toBeGreaterThan(ids.size / 2);
  });

  it('is deterministic, and the reader takes vocabulary and partition from a data spec', async () => {
    const a = syntheticDataset({ split: 'val', images: 5, vocabulary: 'compositional', partition: 'novel' });
    const b = await new SyntheticReader().read('val', { images: 5, vocabulary: 'compositional', partition: 'novel' });
    expect(b.images.map((i) => i.annotations)).toEqual(a.images.map((i) => i.annotations));
    expect(b.name).toBe('synthetic-val-compositional-novel');
  });

  it('refuses options that do not go together, naming them', async () => {
    expect(() => syntheticDataset({ partition: 'novel' })).toThrow('partition=novel needs vocabulary=compositional');
    expect(() => syntheticDataset({ vocabulary: 'compositional', numCategories: 4 })).toThrow('numCategories is for the basic vocabulary');
    expect(() => syntheticDataset({ vocabulary: 'compositional', partition: 'seen' as never })).toThrow("partition must be all, base or novel, got 'seen'");
    await expect(new SyntheticReader().read('train', { vocabulary: 3 })).rejects.toThrow("option 'vocabulary' must be a string");
  });
});
