/**
 * Pictures of what the prompts do: for a few held-out images, one category present in the image is
 * prompted with a single training instance (the prompt box drawn on its own image, left) and the
 * detector's boxes for that prompt are drawn on the held-out image (right, ground truth dashed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type DetectionDataset, type ResultDetection, type Detector, type Module } from '@dino-r1/core';
import { collateImages, normalisedCxcywh, Random, type Sample } from '@dino-r1/datasets';
import type { Loaders } from './data';
import { colour, panel, samplePixels, sideBySide } from './draw';
import { disposeForward, type EvalResult } from './evaluate';

/**
 * Detections on `target` for one visual prompt: the box `promptBox` (COCO xywh pixels) on `promptImage`
 * (which may be `target` itself). Boxes in `target`'s pixels.
 */
export function predictWithPrompt(
  detector: Detector & Module,
  target: Sample,
  promptImage: Sample | null,
  promptBox: readonly [number, number, number, number],
  padMultiple: number,
  topK = 20,
): ResultDetection[] {
  const samples = promptImage ? [target, promptImage] : [target];
  const src = promptImage ?? target;
  const B = samples.length;
  const images = collateImages(samples, padMultiple);
  const box = normalisedCxcywh(promptBox, src.width, src.height);
  const prompts = {
    boxes: tf.tensor3d(
      Array.from({ length: B }, () => [box]),
      [B, 1, 4],
    ),
    sourceImage: tf.tensor2d(
      Array.from({ length: B }, () => [B - 1]),
      [B, 1],
      'int32',
    ),
    mask: tf.zeros([B, 1]) as tf.Tensor2D,
    categoryIds: Array.from({ length: B }, () => [1]),
  };
  const out = detector.forward(images, prompts, false);
  const dets = detector.postProcess(out, prompts, images, topK).filter((d) => d.imageIndex === 0);
  disposeForward(images, prompts, out);
  return dets.map((d) => {
    const [x0, y0, x1, y1] = d.boxXyxy;
    return { image_id: target.imageId, category_id: 1, bbox: [x0, y0, x1 - x0, y1 - y0], score: d.score };
  });
}

export async function drawPredictions(
  detector: Detector & Module,
  loaders: Loaders,
  result: EvalResult,
  trainSet: DetectionDataset,
  outDir: string,
  padMultiple: number,
  threshold = 0.2,
): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const names = new Map(trainSet.categories.map((c) => [c.id, c.name]));
  const random = new Random(0);
  const files: string[] = [];
  for (const [i, { sample, detections }] of result.predictions.entries()) {
    if (sample.categoryIds.length === 0) continue;
    // the category of the image's largest object: the easiest to see in a picture
    const areas = sample.boxes.map((b) => b[2] * b[3]);
    const category = sample.categoryIds[areas.indexOf(Math.max(...areas))];
    // a prompt instance of that category from the training split
    const record = loaders.bank.dataset.images.find((r, j) => j >= i && r.annotations.some((a) => a.categoryId === category));
    const promptSample = record ? await loaders.bank.load(record, random) : null;
    if (!promptSample) continue;
    const promptBox = promptSample.boxes[promptSample.categoryIds.indexOf(category)];
    const dets = predictWithPrompt(detector, sample, promptSample, promptBox, padMultiple).filter((d) => d.score >= threshold);
    const name = names.get(category) ?? String(category);
    const left = await panel(
      samplePixels(promptSample),
      promptSample.width,
      promptSample.height,
      [{ bbox: promptBox, label: 'prompt', colour: '#ffff00' }],
      `prompt: ${name}`,
    );
    const gt = sample.boxes.filter((_, j) => sample.categoryIds[j] === category).map((bbox) => ({ bbox, label: '', colour: '#ffffff', dashed: true }));
    const pred = dets.map((d) => ({ bbox: d.bbox as [number, number, number, number], label: d.score.toFixed(2), colour: colour(category) }));
    const right = await panel(samplePixels(sample), sample.width, sample.height, [...gt, ...pred], `found ${dets.length} (GT ${gt.length}, dashed)`);
    // the closed-set view: bank prompts for all categories, as evaluated
    const all = detections
      .filter((d) => d.score >= threshold)
      .map((d) => ({
        bbox: toSamplePixels(d.bbox, sample),
        label: `${names.get(d.category_id) ?? d.category_id} ${d.score.toFixed(2)}`,
        colour: colour(d.category_id),
      }));
    const third = await panel(samplePixels(sample), sample.width, sample.height, all, 'all categories (prompt bank)');
    const file = join(outDir, `image-${sample.imageId}.png`);
    await sideBySide([left, right, third], file);
    files.push(file);
  }
  return files;
}

function toSamplePixels([x, y, w, h]: readonly number[], s: Sample): [number, number, number, number] {
  const fx = s.width / s.originalSize[1];
  const fy = s.height / s.originalSize[0];
  return [x * fx, y * fy, w * fx, h * fy];
}
