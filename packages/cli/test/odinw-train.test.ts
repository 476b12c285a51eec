/**
 * Real data on every run: a few training steps and an evaluation on an ODinW dataset of
 * ../shared/data/odinw (read from there), through the same reader, sharp decoding, transforms, prompt
 * sampler, trainer, prompt bank and COCO evaluator as the demo.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig, tf } from '@dino-r1/core';
import { RUN_PRESETS } from '../src/pipeline/presets';
import { trainRun } from '../src/pipeline/run';

const PACKAGES = resolve(__dirname, '../../../../shared/data/odinw/Packages');

describe('training and evaluation on real ODinW images', () => {
  it('trains 3 steps on Packages/train and evaluates on Packages/valid', async () => {
    if (!existsSync(PACKAGES)) throw new Error(`missing ${PACKAGES}: ../shared/data must sit beside the repository`);
    const preset = RUN_PRESETS.odinw; // the fine-tuning recipe, on the smallest dataset and a few steps
    const config = parseConfig({
      ...preset,
      train: { ...preset.train, steps: 3, batchSize: 2, evalEvery: 0, checkpointEvery: 0, logEvery: 1 },
      data: {
        ...preset.data,
        train: { reader: 'odinw', source: PACKAGES, options: { split: 'train' } },
        eval: { reader: 'odinw', source: PACKAGES, options: { split: 'valid' } },
      },
    });
    const dir = join(mkdtempSync(join(tmpdir(), 'dino-r1-odinw-')), 'run');
    const before = tf.memory().numTensors;
    const r = await trainRun({ config, outDir: dir, quiet: true, pictures: 0, plots: false });
    expect(r.steps).toBe(3);
    const ev = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8'));
    expect(ev.stats).toHaveLength(12);
    expect(ev.dataset).toBe(`odinw:${PACKAGES}?split=valid`);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const losses = metrics.filter((m) => typeof m.loss === 'number');
    expect(losses).toHaveLength(3);
    losses.forEach((m) => expect(Number.isFinite(m.loss)).toBe(true));
    // tensors do not pile up across steps, and the run releases its model, optimizer and anchor at the end
    expect(new Set(losses.map((m) => m.tensors)).size).toBe(1);
    expect(tf.memory().numTensors - before).toBeLessThan(50);
  }, 300000);
});
