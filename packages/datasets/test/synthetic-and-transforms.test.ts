/**
 * The synthetic dataset (deterministic from its seed, held-out splits differ, 1–8 instances at 5–40 %
 * of the side, boxes equal to the painted pixels), the transforms (boxes follow the pixels) and the
 * prompt sampler (one prompt per category present in the batch; labels point at their category).
 */
import { initBackend, silentLogger } from '@dino-r1/core';
import {
  collate,
  normalise,
  normalisedCxcywh,
  Random,
  randomCrop,
  randomFlip,
  resizeKeepRatio,
  samplePrompts,
  syntheticDataset,
  SYNTHETIC_CATEGORIES,
  SyntheticReader,
  type Sample,
  disposeBatch,
} from '../src';

function sampleOf(ds: ReturnType<typeof syntheticDataset>, i: number): Sample {
  const r = ds.images[i];
  const im = r.render!();
  return {
    imageId: r.id,
    pixels: Float32Array.from(im.data),
    width: im.width,
    height: im.height,
    boxes: r.annotations.map((a) => a.bbox),
    categoryIds: r.annotations.map((a) => a.categoryId),
    originalSize: [r.height, r.width],
  };
}

/** Where an object's pixels differ from the plain background is not knowable; a flat-colour scene is: paint one box. */
function oneBoxSample(): Sample {
  const W = 40;
  const H = 30;
  const px = new Float32Array(W * H * 3);
  for (let y = 5; y < 15; y++) for (let x = 8; x < 20; x++) px.fill(200, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { imageId: 1, pixels: px, width: W, height: H, boxes: [[8, 5, 12, 10]], categoryIds: [1], originalSize: [H, W] };
}

/** The tight box of pixels brighter than 100 in channel 0. */
function paintedBox(s: Sample): number[] {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < s.height; y++)
    for (let x = 0; x < s.width; x++)
      if (s.pixels[(y * s.width + x) * 3] > 100) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
  return [x0, y0, x1 - x0, y1 - y0];
}

describe('synthetic dataset', () => {
  it('is deterministic from its seed; splits and seeds give different images', () => {
    const a = syntheticDataset({ images: 5, seed: 3 });
    const b = syntheticDataset({ images: 5, seed: 3 });
    expect(Buffer.from(a.images[2].render!().data).equals(Buffer.from(b.images[2].render!().data))).toBe(true);
    expect(a.images.map((i) => i.annotations)).toEqual(b.images.map((i) => i.annotations));
    const val = syntheticDataset({ images: 5, seed: 3, split: 'val' });
    const other = syntheticDataset({ images: 5, seed: 4 });
    expect(Buffer.from(val.images[0].render!().data).equals(Buffer.from(a.images[0].render!().data))).toBe(false);
    expect(Buffer.from(other.images[0].render!().data).equals(Buffer.from(a.images[0].render!().data))).toBe(false);
  });

  it('has ≥ 10 categories differing by shape, pattern or colour; 1–8 instances at 5–40 % of the side', () => {
    expect(SYNTHETIC_CATEGORIES.length).toBeGreaterThanOrEqual(10);
    const looks = new Set(SYNTHETIC_CATEGORIES.map((c) => `${c.shape}/${c.pattern}/${c.colour}`));
    expect(looks.size).toBe(SYNTHETIC_CATEGORIES.length);
    // shapes repeat across categories: a shape alone does not tell the category
    expect(new Set(SYNTHETIC_CATEGORIES.map((c) => c.shape)).size).toBeLessThan(SYNTHETIC_CATEGORIES.length);
    const ds = syntheticDataset({ images: 300, width: 128, height: 128 });
    const counts = ds.images.map((i) => i.annotations.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(8);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(6);
    const sides = ds.images.flatMap((i) => i.annotations.map((a) => Math.max(a.bbox[2], a.bbox[3]) / 128));
    expect(Math.min(...sides)).toBeGreaterThanOrEqual(0.03);
    expect(Math.max(...sides)).toBeLessThanOrEqual(0.5);
    expect(new Set(ds.images.flatMap((i) => i.annotations.map((a) => a.categoryId))).size).toBe(SYNTHETIC_CATEGORIES.length);
  });

  it('the reader checks its options', async () => {
    const r = new SyntheticReader();
    expect((await r.read('test', { images: 3 })).name).toBe('synthetic-test');
    await expect(r.read('train', { imgs: 3 })).rejects.toThrow(/unknown option 'imgs'/);
    await expect(r.read('train', { images: 'many' })).rejects.toThrow(/option 'images' must be a number/);
  });
});

describe('transforms keep boxes on the pixels', () => {
  const random = new Random(7);
  it('resize keeping the ratio', () => {
    const s = resizeKeepRatio(80)(oneBoxSample(), random);
    expect([s.width, s.height]).toEqual([80, 60]);
    expect(s.boxes[0]).toEqual([16, 10, 24, 20]);
    expect(paintedBox(s)).toEqual([16, 10, 24, 20]);
  });
  it('flip', () => {
    const s = randomFlip(1)(oneBoxSample(), random);
    expect(s.boxes[0]).toEqual([20, 5, 12, 10]);
    expect(paintedBox(s)).toEqual([...s.boxes[0]]);
  });
  it('crop (boxes clipped, kept only when mostly visible)', () => {
    for (let i = 0; i < 20; i++) {
      const s = randomCrop(0.5, 1, 0.01)(oneBoxSample(), random);
      if (s.boxes.length === 0) continue;
      expect(paintedBox(s)).toEqual([...s.boxes[0]]);
    }
  });
  it('normalise', () => {
    const s = normalise([100, 100, 100], [50, 50, 50])(oneBoxSample(), random);
    expect(s.pixels[0]).toBe(-2);
    expect(s.pixels[(5 * 40 + 8) * 3]).toBe(2);
  });
});

describe('prompts and batches', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));
  it('one prompt per category of the batch; every GT label is its category’s prompt; absent categories are negatives', () => {
    const ds = syntheticDataset({ images: 4, seed: 11 });
    const samples = [0, 1, 2, 3].map((i) => sampleOf(ds, i));
    const p = samplePrompts(samples, new Random(1));
    const present = new Set(samples.flatMap((s) => s.categoryIds));
    expect(new Set(p.categoryIds)).toEqual(present);
    expect(p.categoryIds).toHaveLength(present.size);
    samples.forEach((s, b) => s.categoryIds.forEach((c, j) => expect(p.categoryIds[p.labels[b][j]]).toBe(c)));
    // each prompt box is one of its category's instances on its source image
    p.categoryIds.forEach((c, k) => {
      const src = samples[p.sourceImage[k]];
      const boxes = src.boxes.filter((_, j) => src.categoryIds[j] === c).map((bx) => normalisedCxcywh(bx, src.width, src.height));
      expect(boxes).toContainEqual(p.boxes[k]);
    });
    const batch = collate(samples, p, 16);
    expect(batch.prompts.boxes.shape).toEqual([4, present.size, 4]);
    expect(batch.gts[0].labels.shape[0]).toBe(samples[0].boxes.length);
    disposeBatch(batch);
  });
});
