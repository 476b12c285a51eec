/**
 * Data specs and loaders of a run. A spec on the command line is `READER:SOURCE[?key=value&…]`, e.g.
 * `synthetic:train?images=2000`, `odinw:../shared/data/odinw/Packages?split=valid`, `coco:ann.json`;
 * in a config it is `{ reader, source, options }`.
 */
import { resolveNamed, TOKENS, type DetectionDataset, type DinoR1Config } from '@dino-r1/core';
import { BatchLoader, compose, normalise, randomCrop, randomFlip, resizeKeepRatio, type Transform } from '@dino-r1/datasets';
import type { Container } from 'inversify';

export type DataSpec = DinoR1Config['data']['train'];

export function parseDataSpec(text: string): DataSpec {
  const m = /^([a-z][\w-]*):([^?]*)(?:\?(.*))?$/.exec(text);
  if (!m) throw new Error(`data spec '${text}': expected READER:SOURCE[?key=value&…], e.g. synthetic:train or odinw:path/to/Packages?split=valid`);
  const options: Record<string, unknown> = {};
  for (const pair of (m[3] ?? '').split('&').filter(Boolean)) {
    const [k, v = ''] = pair.split('=');
    options[k] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return { reader: m[1], source: m[2], options };
}

export function formatDataSpec(spec: DataSpec): string {
  const q = Object.entries(spec.options)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('&');
  return `${spec.reader}:${spec.source}${q ? `?${q}` : ''}`;
}

export async function readDataset(container: Container, spec: DataSpec, field: string): Promise<DetectionDataset> {
  return resolveNamed(container, TOKENS.DatasetReader, spec.reader, `${field}.reader`).read(spec.source, spec.options);
}

export function trainTransform(config: DinoR1Config): Transform {
  const { maxSize, flip, crop } = config.data;
  return compose(resizeKeepRatio(maxSize), ...(flip > 0 ? [randomFlip(flip)] : []), ...(crop > 0 ? [randomCrop(0.6, crop)] : []), normalise());
}

export function evalTransform(config: DinoR1Config): Transform {
  return compose(resizeKeepRatio(config.data.maxSize), normalise());
}

export interface Loaders {
  readonly train: BatchLoader;
  /** The training images without augmentation, for the prompt bank. */
  readonly bank: BatchLoader;
  readonly eval: BatchLoader;
}

export function makeLoaders(
  config: DinoR1Config,
  train: DetectionDataset,
  evalSet: DetectionDataset,
  padMultiple: number,
  onSkip: (file: string, e: Error) => void,
): Loaders {
  const skip = (r: { file?: string; id: number }, e: Error) => onSkip(r.file ?? `image ${r.id}`, e);
  const bankSet =
    config.data.bankImages > 0 ? { ...train, images: train.images.filter((i) => i.annotations.length > 0).slice(0, config.data.bankImages) } : train;
  const maxSize = config.data.maxSize;
  return {
    train: new BatchLoader(train, {
      batchSize: config.train.batchSize,
      transform: trainTransform(config),
      padMultiple,
      seed: config.seed,
      skipEmpty: true,
      decodeMaxSize: maxSize,
      onSkip: skip,
    }),
    bank: new BatchLoader(bankSet, { batchSize: 8, transform: evalTransform(config), padMultiple, shuffle: false, decodeMaxSize: maxSize, onSkip: skip }),
    eval: new BatchLoader(evalSet, { batchSize: 8, transform: evalTransform(config), padMultiple, shuffle: false, decodeMaxSize: maxSize, onSkip: skip }),
  };
}
