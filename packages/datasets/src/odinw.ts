/**
 * ODinW folders (Roboflow COCO exports): `NAME/{train,valid,test}/_annotations.coco.json` with the images
 * beside it. `source` is `NAME` (option `split`, default `train`) or `NAME/SPLIT`.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DatasetReader, DetectionDataset } from '@dino-r1/core';
import { readCocoFile } from './coco';
import { DatasetFormatError } from './format-error';

export const ODINW_SPLITS = ['train', 'valid', 'test'] as const;

export function readOdinwFolder(source: string, split?: string): DetectionDataset {
  let folder = source.replace(/\/+$/, '');
  let s = split;
  const last = basename(folder);
  if ((ODINW_SPLITS as readonly string[]).includes(last) && existsSync(join(folder, '_annotations.coco.json'))) {
    s ??= last;
    folder = folder.slice(0, -last.length - 1);
  }
  s ??= 'train';
  if (!(ODINW_SPLITS as readonly string[]).includes(s)) throw new Error(`odinw reader: split must be one of ${ODINW_SPLITS.join(', ')}, got '${s}'`);
  const file = join(folder, s, '_annotations.coco.json');
  if (!existsSync(file))
    throw new DatasetFormatError(file, null, null, `missing: an ODinW folder holds ${ODINW_SPLITS.map((x) => `${x}/_annotations.coco.json`).join(', ')}`);
  return readCocoFile(file, { name: `${basename(folder)}-${s}` });
}

export class OdinwReader implements DatasetReader {
  readonly name = 'odinw';
  async read(source: string, options: Readonly<Record<string, unknown>> = {}): Promise<DetectionDataset> {
    if (options.split !== undefined && typeof options.split !== 'string') throw new Error(`odinw reader: option 'split' must be a string`);
    return readOdinwFolder(source, options.split as string | undefined);
  }
}
