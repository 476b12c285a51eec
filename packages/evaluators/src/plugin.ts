/**
 * The package's plugin: evaluators by name. The ground truth comes from the config's eval data spec
 * (`config.data.eval.source`, a COCO/LVIS json); the trainer streams detections into them.
 */
import { definePlugin, TOKENS, type DinoR1Config } from '@dino-r1/core';
import { CocoEvaluator } from './coco-eval';
import { GroundTruth } from './data';
import { LvisEvaluator } from './lvis-eval';

export const evaluatorsPlugin = definePlugin('@dino-r1/evaluators', (b) => {
  const gt = (config: DinoR1Config) => GroundTruth.load(config.data.eval.source);
  b.bindNamed(TOKENS.Evaluator, 'coco', { factory: (ctx) => new CocoEvaluator(gt(ctx.get(TOKENS.Config))) });
  b.bindNamed(TOKENS.Evaluator, 'lvis', { factory: (ctx) => new LvisEvaluator(gt(ctx.get(TOKENS.Config))) });
});
