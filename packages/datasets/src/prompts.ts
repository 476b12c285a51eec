/**
 * Visual prompts for a batch (DESIGN.md §7). Training: every category present in the batch gets one prompt,
 * the box of one of its instances (picked at random, on whichever image of the batch it lies); every image
 * sees all of the batch's prompts, so the categories it does not contain are its negative prompts. The GT
 * label of a box is the index of its category's prompt. Evaluation: prompts come from a prompt bank of
 * per-category embeddings, identical for every image.
 */
import type { Random } from './random';
import type { Sample } from './sample';

/** Host-side prompt layout of a batch: the same K prompts for every image. */
export interface SampledPrompts {
  /** Category of each prompt slot. */
  readonly categoryIds: number[];
  /** Normalised cxcywh of each prompt on its source image. */
  readonly boxes: Array<[number, number, number, number]>;
  /** Index (in the batch) of the image each prompt box lies on. */
  readonly sourceImage: number[];
  /** Per image, the prompt index of each of its GT boxes. */
  readonly labels: number[][];
}

export function normalisedCxcywh([x, y, w, h]: readonly number[], width: number, height: number): [number, number, number, number] {
  return [(x + w / 2) / width, (y + h / 2) / height, w / width, h / height];
}

/**
 * The training prompt sampler: one random instance per category present in the batch. Negatives beyond
 * the batch's own categories come from the trainer's negative-prompt pool (`data.negativePrompts`).
 */
export function samplePrompts(samples: readonly Sample[], random: Random): SampledPrompts {
  const instances = new Map<number, Array<[number, number]>>(); // category → [image, box] of every instance
  samples.forEach((s, b) =>
    s.categoryIds.forEach((c, j) => {
      if (!instances.has(c)) instances.set(c, []);
      instances.get(c)!.push([b, j]);
    }),
  );
  const categories = random.shuffle([...instances.keys()]);
  const index = new Map(categories.map((c, k) => [c, k]));
  const boxes: Array<[number, number, number, number]> = [];
  const sourceImage: number[] = [];
  for (const c of categories) {
    const [b, j] = random.pick(instances.get(c)!);
    const s = samples[b];
    boxes.push(normalisedCxcywh(s.boxes[j], s.width, s.height));
    sourceImage.push(b);
  }
  const labels = samples.map((s) => s.categoryIds.map((c) => index.get(c)!));
  return { categoryIds: categories, boxes, sourceImage, labels };
}
