/**
 * Batches of a dataset for training or evaluation: shuffles per epoch (seeded), loads and transforms the
 * images, samples the visual prompts and collates. An image that cannot be decoded is reported once
 * through `onSkip` and skipped — never fatal.
 */
import type { DetectionDataset, ImageRecord } from '@dino-r1/core';
import { collate, type Batch } from './batch';
import { ImageDecodeError, loadSample } from './images';
import { samplePrompts, type SampledPrompts } from './prompts';
import { deriveSeed, Random } from './random';
import type { Sample } from './sample';
import type { Transform } from './transforms';

export interface LoaderOptions {
  readonly batchSize: number;
  readonly transform: Transform;
  /** Pad batches to a multiple of this (the backbone's patch size). */
  readonly padMultiple?: number;
  readonly seed?: number;
  readonly shuffle?: boolean;
  /** Decode file images already downscaled to this longer side. */
  readonly decodeMaxSize?: number;
  /** Leave out images without annotations (training). */
  readonly skipEmpty?: boolean;
  /** Prompts of a batch; default: the training sampler. */
  readonly prompts?: (samples: readonly Sample[], random: Random) => SampledPrompts;
  readonly onSkip?: (record: ImageRecord, error: Error) => void;
}

export class BatchLoader {
  private readonly skipped = new Set<number>();
  constructor(
    readonly dataset: DetectionDataset,
    readonly options: LoaderOptions,
  ) {
    if (!(options.batchSize >= 1)) throw new Error(`loader: batchSize must be ≥ 1, got ${options.batchSize}`);
  }

  /** Records in the order of `epoch` (shuffled with a seed derived from the epoch). */
  order(epoch: number): ImageRecord[] {
    let records = [...this.dataset.images];
    if (this.options.skipEmpty) records = records.filter((r) => r.annotations.some((a) => !a.iscrowd));
    if (this.options.shuffle ?? true) new Random(deriveSeed(this.options.seed ?? 0, `epoch ${epoch}`)).shuffle(records);
    return records;
  }

  batchesPerEpoch(): number {
    return Math.ceil(this.order(0).length / this.options.batchSize);
  }

  async load(record: ImageRecord, random: Random): Promise<Sample | null> {
    if (this.skipped.has(record.id)) return null;
    try {
      return this.options.transform(await loadSample(record, this.options.decodeMaxSize), random);
    } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      this.skipped.add(record.id);
      this.options.onSkip?.(record, e);
      return null;
    }
  }

  /**
   * The loaded samples of one epoch in groups of `batchSize` from group `startBatch` on, each group with
   * the `Random` its augmentation used (seeded per group, so resuming mid-epoch gives the same groups).
   * Groups whose images were all unreadable are left out.
   */
  async *sampleGroups(epoch: number, startBatch = 0): AsyncGenerator<{ samples: Sample[]; random: Random; done: number; total: number }> {
    const records = this.order(epoch);
    const { batchSize } = this.options;
    for (let i = startBatch * batchSize; i < records.length; i += batchSize) {
      const random = new Random(deriveSeed(this.options.seed ?? 0, `batch ${epoch}/${i / batchSize}`));
      const samples: Sample[] = [];
      for (const r of records.slice(i, i + batchSize)) {
        const s = await this.load(r, random);
        if (s) samples.push(s);
      }
      if (samples.length > 0) yield { samples, random, done: Math.min(records.length, i + batchSize), total: records.length };
    }
  }

  /** The batches of one epoch from batch `startBatch` on (prompts sampled per batch); the caller disposes each (`disposeBatch`). */
  async *epoch(epoch: number, startBatch = 0): AsyncGenerator<Batch> {
    for await (const { samples, random } of this.sampleGroups(epoch, startBatch)) {
      const prompts = (this.options.prompts ?? samplePrompts)(samples, random);
      yield collate(samples, prompts, this.options.padMultiple ?? 1);
    }
  }

  /** Batches forever from global batch index `start` (epoch after epoch): a training stream that resumes exactly. */
  async *stream(start = 0): AsyncGenerator<Batch> {
    const per = this.batchesPerEpoch();
    if (per === 0) throw new Error(`loader: dataset ${this.dataset.name} has no usable images`);
    for (let e = Math.floor(start / per), skip = start % per; ; e++, skip = 0) yield* this.epoch(e, skip);
  }
}
