/**
 * The run pipeline needs only the core `Detector` contract (and `Module` for parameters and state dicts):
 * a plugin that rebinds `TOKENS.Detector` to a detector that is not a `DinoR1Detector` — here one that
 * wraps it and implements nothing but the contract — trains, checkpoints, extracts a prompt bank and
 * evaluates through `trainRun`, and the run's checkpoint holds the wrapper's parameter names.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  definePlugin,
  initBackend,
  loadTensors,
  Module,
  silentLogger,
  TOKENS,
  type Backbone,
  type Detection,
  type Detector,
  type DetectorOutput,
  type ImageBatch,
  type PromptBatch,
  type RewardTargets,
} from '@dino-r1/core';
import { DEFAULT_PARTS, DETECTOR_PRESETS, DinoR1Detector } from '@dino-r1/decoder';
import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { trainRun } from '../src/pipeline/run';
import { MICRO_DETECTOR, micro } from './micro';

/** A detector of its own class: it delegates to an inner DinoR1Detector and counts the calls. */
class CountingDetector extends Module implements Detector {
  readonly calls = { forward: 0, selectionLogitsAt: 0, promptEmbeddings: 0, postProcess: 0, reseedNoise: 0 };
  private readonly inner: DinoR1Detector;

  constructor(inner: DinoR1Detector) {
    super();
    this.inner = this.module('wrapped', inner);
  }
  get embeddingDim(): number {
    return this.inner.embeddingDim;
  }
  get padMultiple(): number {
    return this.inner.padMultiple;
  }
  get backbonePrefix(): string {
    return `wrapped.${this.inner.backbonePrefix}`;
  }
  forward(images: ImageBatch, prompts: PromptBatch, training: boolean, targets?: readonly RewardTargets[]): DetectorOutput {
    this.calls.forward++;
    return this.inner.forward(images, prompts, training, targets);
  }
  selectionLogitsAt(images: ImageBatch, prompts: PromptBatch, indices: Tensor2D, training?: boolean): Tensor2D {
    this.calls.selectionLogitsAt++;
    return this.inner.selectionLogitsAt(images, prompts, indices, training);
  }
  reseedNoise(seed: number): void {
    this.calls.reseedNoise++;
    this.inner.reseedNoise(seed);
  }
  promptEmbeddings(images: ImageBatch, prompts: PromptBatch): Tensor3D {
    this.calls.promptEmbeddings++;
    return this.inner.promptEmbeddings(images, prompts);
  }
  postProcess(output: DetectorOutput, prompts: PromptBatch, images: ImageBatch, topK: number): Detection[] {
    this.calls.postProcess++;
    return this.inner.postProcess(output, prompts, images, topK);
  }
}

describe('a plugin that rebinds TOKENS.Detector', () => {
  beforeAll(() => initBackend('auto', { logger: silentLogger }));

  it('trains, checkpoints and evaluates through trainRun with only the Detector contract', async () => {
    let made: CountingDetector | undefined;
    const counting = definePlugin('test:counting-detector', (b) => {
      b.rebindSync(TOKENS.Detector)
        .toDynamicValue((ctx) => {
          const backbone = ctx.get(TOKENS.ActiveBackbone) as Backbone & Module;
          made = new CountingDetector(new DinoR1Detector(backbone, { ...DETECTOR_PRESETS.tiny, ...MICRO_DETECTOR }, DEFAULT_PARTS));
          return made;
        })
        .inSingletonScope();
    });
    const dir = join(mkdtempSync(join(tmpdir(), 'dino-r1-detector-plugin-')), 'run');
    const config = micro({ train: { steps: 2 }, data: { bankImages: 4 } });
    const result = await trainRun({ config, outDir: dir, quiet: true, plots: false, plugins: [counting] });
    expect(made).toBeDefined();
    const calls = made!.calls;
    expect(calls.forward).toBeGreaterThan(0);
    expect(calls.selectionLogitsAt).toBeGreaterThan(0); // the KL anchor's reference forward
    expect(calls.reseedNoise).toBeGreaterThan(0);
    expect(calls.promptEmbeddings).toBeGreaterThan(0); // the prompt bank
    expect(calls.postProcess).toBeGreaterThan(0); // the evaluation
    expect(result.eval?.stats).toHaveLength(12);
    const { tensors } = loadTensors(join(dir, 'checkpoint-2.safetensors'));
    const names = [...tensors.keys()];
    for (const t of tensors.values()) t.dispose();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('detector.wrapped.'))).toBe(true);
    expect(names.some((n) => n.startsWith('detector.wrapped.backbone.'))).toBe(true);
  }, 120000);
});
