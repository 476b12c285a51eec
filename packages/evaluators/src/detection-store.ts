/** What every evaluator shares: the ground truth and the detections added so far (streamed or from a file). */
import type { EvaluationSummary, Evaluator, ResultDetection } from '@dino-r1/core';
import { toDetections, type Detection, type GroundTruth } from './data';

export abstract class DetectionEvaluator implements Evaluator {
  abstract readonly name: string;
  protected detections: Detection[] = [];

  constructor(readonly gt: GroundTruth) {}

  /** Adds detections (e.g. one image's) in COCO results form; ids continue the running count. */
  add(detections: readonly ResultDetection[]): void {
    this.detections.push(...toDetections(detections, this.gt, this.detections.length));
  }

  /** Replaces all detections (e.g. from `loadDetections`). */
  setDetections(detections: Detection[]): void {
    this.detections = detections;
  }

  reset(): void {
    this.detections = [];
  }

  abstract summarize(): EvaluationSummary;
}
