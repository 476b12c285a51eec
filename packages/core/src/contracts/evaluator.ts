import type { DetectionDataset } from './dataset';

/** A detection in COCO results-json conventions (`bbox` is `[x, y, w, h]` in pixels). */
export interface ResultDetection {
  readonly image_id: number;
  readonly category_id: number;
  readonly bbox: readonly [number, number, number, number];
  readonly score: number;
}

export interface EvaluationSummary {
  /** Summary numbers in the official tool's order (`-1` where undefined). */
  readonly stats: readonly number[];
  /** Named view of the same numbers (`AP`, `AP50`, …, `APr` …). */
  readonly named: Readonly<Record<string, number>>;
  /** AP per category id (`-1` where undefined). */
  readonly perCategory?: ReadonlyMap<number, number>;
  /** The official tool's printed summary (pycocotools' `summarize()` table, lvis-api's `print_results()`). */
  readonly text?: string;
}

/** Streaming evaluator: add detections image by image, summarise at the end. */
export interface Evaluator {
  readonly name: string;
  add(detections: readonly ResultDetection[]): void;
  summarize(): EvaluationSummary;
  reset(): void;
}

/**
 * Makes an evaluator for one ground truth (a dataset's images and annotations, with LVIS's federated
 * fields when the reader gave them). Named under `TOKENS.EvaluatorFactory`: `eval --evaluator NAME`.
 */
export interface EvaluatorFactory {
  readonly name: string;
  create(groundTruth: DetectionDataset): Evaluator;
}
