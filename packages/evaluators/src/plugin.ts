/**
 * The package's plugin: evaluator factories under `TOKENS.EvaluatorFactory` by name, so
 * `eval --checkpoint RUN --evaluator NAME` scores a detector the way the named tool does. The ground
 * truth is the evaluated dataset itself (as COCO json, LVIS's federated fields included).
 */
import { definePlugin, toCocoJson, TOKENS, type DetectionDataset, type Evaluator, type EvaluatorFactory } from '@dino-r1/core';
import { CocoEvaluator } from './coco-eval';
import { GroundTruth } from './data';
import { LvisEvaluator } from './lvis-eval';

const groundTruthOf = (dataset: DetectionDataset) => GroundTruth.parse(toCocoJson(dataset), dataset.name);

/** pycocotools' `COCOeval` with its default parameters. */
export class CocoEvaluatorFactory implements EvaluatorFactory {
  readonly name = 'coco';
  create(dataset: DetectionDataset): Evaluator {
    return new CocoEvaluator(groundTruthOf(dataset));
  }
}

/** lvis-api's `LVISEval` (federated, 300 detections per image); the dataset should come from the `lvis` reader. */
export class LvisEvaluatorFactory implements EvaluatorFactory {
  readonly name = 'lvis';
  create(dataset: DetectionDataset): Evaluator {
    if (!dataset.images.some((im) => im.negCategoryIds) || !dataset.categories.some((c) => c.frequency))
      throw new Error(`lvis evaluator: ${dataset.name} has no LVIS fields (neg_category_ids, category frequency): read it with the 'lvis' reader`);
    return new LvisEvaluator(groundTruthOf(dataset));
  }
}

export const evaluatorsPlugin = definePlugin('@dino-r1/evaluators', (b) => {
  b.bindNamed(TOKENS.EvaluatorFactory, 'coco', CocoEvaluatorFactory);
  b.bindNamed(TOKENS.EvaluatorFactory, 'lvis', LvisEvaluatorFactory);
});
