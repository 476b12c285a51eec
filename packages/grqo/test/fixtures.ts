/** Reads the GRQO reference fixtures of `../shared/fixtures/grqo` into grqoLoss inputs. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadTensors } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { GrqoInputs, GrqoLossConfig, GrqoLossOptions } from '../src';
import { fixtureRewards } from './rewards';

export const GRQO_FIXTURES = resolve(__dirname, '../../../../shared/fixtures/grqo');

export interface GrqoCase {
  inputs: GrqoInputs;
  config: GrqoLossConfig;
  /** The case's `weights` (`cls`, `l1`, `giou`) as the built-in reward plugins. */
  options: GrqoLossOptions;
  expected: Map<string, Tensor>;
}

export function loadCase(name: string): GrqoCase {
  const path = resolve(GRQO_FIXTURES, `${name}.safetensors`);
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the tests need ../shared beside the repository`);
  const { tensors, metadata } = loadTensors(path);
  const B = tensors.get('sel_logits')!.shape[0];
  const expected = new Map([...tensors].filter(([k]) => k.startsWith('expected.')).map(([k, v]) => [k.slice(9), v]));
  return {
    inputs: {
      selLogits: tensors.get('sel_logits')!,
      refSelLogits: tensors.get('ref_sel_logits')!,
      oldSelLogits: tensors.get('old_sel_logits') ?? null,
      predLogits: tensors.get('pred_logits')!,
      predBoxes: tensors.get('pred_boxes')!,
      gts: Array.from({ length: B }, (_, b) => ({
        boxes: tensors.get(`gt.${b}.boxes`)!,
        labels: tensors.get(`gt.${b}.labels`)!,
      })),
    },
    config: JSON.parse(metadata.config),
    options: { rewards: fixtureRewards(JSON.parse(metadata.config).weights) },
    expected,
  };
}

/** The README's tolerance: |got − expected| ≤ 1e-5 + 1e-3·|expected|, elementwise. */
export function expectWithinTolerance(got: Tensor, expected: Tensor, what: string): void {
  expect(got.shape).toEqual(expected.shape);
  const g = got.dataSync();
  const e = expected.dataSync();
  const bad: string[] = [];
  for (let i = 0; i < e.length; i++) {
    if (!(Math.abs(g[i] - e[i]) <= 1e-5 + 1e-3 * Math.abs(e[i]))) bad.push(`[${i}] got ${g[i]} expected ${e[i]}`);
  }
  if (bad.length) throw new Error(`${what}: ${bad.length} of ${e.length} values out of tolerance: ${bad.slice(0, 5).join('; ')}`);
}
