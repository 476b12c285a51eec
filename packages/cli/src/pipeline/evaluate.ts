/**
 * Closed-set evaluation with a prompt bank (DESIGN.md §4.4, §8): every image is prompted with every
 * category's bank embedding; the detector's top-k (queries × prompts) become COCO results in the
 * original image's pixels, scored by the COCO evaluator (pycocotools numbers).
 */
import { tf, type DetectorOutput, type Evaluator, type ImageBatch, type PromptBatch, type ResultDetection, type Detector, type Module } from '@dino-r1/core';
import { collateImages, type BatchLoader, type Sample } from '@dino-r1/datasets';
import { CocoEvaluatorFactory } from '@dino-r1/evaluators';
import { bankPrompts, type PromptBank } from './prompt-bank';

export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

/** Frees the inputs and outputs of one inference forward. */
export function disposeForward(images: ImageBatch, prompts: PromptBatch, out: DetectorOutput): void {
  tf.dispose([
    images.pixels,
    images.mask,
    prompts.boxes,
    prompts.sourceImage,
    prompts.mask,
    ...(prompts.embeddings ? [prompts.embeddings] : []),
    out.predLogits,
    out.predBoxes,
    out.proposalLogits,
    out.proposalBoxes,
    out.selectedIndices,
    out.selectionLogits,
  ]);
}

export interface Prediction {
  readonly sample: Sample;
  readonly detections: ResultDetection[];
}

/** Detections of a batch of samples, boxes in each image's original pixels (COCO xywh). */
export function predict(detector: Detector & Module, samples: readonly Sample[], bank: PromptBank, padMultiple: number, topK: number): ResultDetection[][] {
  const images = collateImages(samples, padMultiple);
  const prompts = bankPrompts(bank, samples.length);
  const out = detector.forward(images, prompts, false);
  const dets = detector.postProcess(out, prompts, images, topK);
  disposeForward(images, prompts, out);
  const perImage: ResultDetection[][] = samples.map(() => []);
  for (const d of dets) {
    const s = samples[d.imageIndex];
    const fx = s.originalSize[1] / s.width;
    const fy = s.originalSize[0] / s.height;
    const [x0, y0, x1, y1] = d.boxXyxy;
    const bx0 = Math.max(0, x0) * fx;
    const by0 = Math.max(0, y0) * fy;
    const bx1 = Math.min(s.width, x1) * fx;
    const by1 = Math.min(s.height, y1) * fy;
    perImage[d.imageIndex].push({
      image_id: s.imageId,
      category_id: d.categoryId,
      bbox: [bx0, by0, Math.max(0, bx1 - bx0), Math.max(0, by1 - by0)],
      score: d.score,
    });
  }
  return perImage;
}

export interface EvalResult {
  /** The evaluator's summary numbers in its tool's order (COCO: the 12 of `COCO_STAT_NAMES`). */
  readonly stats: number[];
  readonly named: Record<string, number>;
  /** AP per category name. */
  readonly perCategory: Record<string, number>;
  readonly predictions: Prediction[];
  /** The evaluator's familiar summary text (pycocotools' table for COCO). */
  readonly text: string;
  /** Every detection in COCO results form (only with `collect`). */
  readonly results?: ResultDetection[];
}

/**
 * Evaluates on every image of `loader` (no augmentation expected) with `evaluator` (default: COCO over the
 * loader's dataset); keeps the first `keep` predictions for pictures.
 */
export async function evaluateWithBank(
  detector: Detector & Module,
  loader: BatchLoader,
  bank: PromptBank,
  options: { evaluator?: Evaluator; topK?: number; keep?: number; collect?: boolean; onBatch?: (done: number, total: number) => void } = {},
): Promise<EvalResult> {
  const evaluator = options.evaluator ?? new CocoEvaluatorFactory().create(loader.dataset);
  const predictions: Prediction[] = [];
  const results: ResultDetection[] = [];
  for await (const { samples, done, total } of loader.sampleGroups(0)) {
    const perImage = predict(detector, samples, bank, loader.options.padMultiple ?? 1, options.topK ?? 100);
    perImage.forEach((d, b) => {
      evaluator.add(d);
      if (options.collect) results.push(...d);
      if (predictions.length < (options.keep ?? 0)) predictions.push({ sample: samples[b], detections: d });
    });
    options.onBatch?.(done, total);
  }
  const summary = evaluator.summarize();
  const names = new Map(loader.dataset.categories.map((c) => [c.id, c.name]));
  return {
    stats: [...summary.stats],
    named: { ...summary.named },
    perCategory: Object.fromEntries([...(summary.perCategory ?? [])].map(([id, ap]) => [names.get(id) ?? String(id), ap])),
    predictions,
    text:
      summary.text ??
      Object.entries(summary.named)
        .map(([k, v]) => ` ${k} = ${v.toFixed(3)}`)
        .join('\n'),
    ...(options.collect ? { results } : {}),
  };
}
