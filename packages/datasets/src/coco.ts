/**
 * COCO instances json (and LVIS v1, which adds `neg_category_ids`, `not_exhaustive_category_ids` and
 * category `frequency`, and names images by `coco_url`). Images are looked up in `imagesDir` (default: the
 * annotation file's folder, as in Roboflow exports).
 */
import { basename, dirname, join, resolve } from 'node:path';
import type { Annotation, Category, DatasetReader, DetectionDataset, ImageRecord } from '@dino-r1/core';
import { arrayOf, checkBoxInside, Fields, readJson } from './format-error';

export interface CocoReadOptions {
  readonly imagesDir?: string;
  /** Read LVIS fields (`lvis` reader). */
  readonly lvis?: boolean;
  readonly name?: string;
}

export function readCocoFile(file: string, options: CocoReadOptions = {}): DetectionDataset {
  const json = readJson(file);
  const imagesDir = resolve(options.imagesDir ?? dirname(file));
  const categories: Category[] = arrayOf(file, json, 'categories').map((raw, i) => {
    const f = new Fields(file, `categories[${i}]`, raw);
    const frequency = options.lvis && f.has('frequency') ? f.string('frequency') : undefined;
    if (frequency !== undefined && !['r', 'c', 'f'].includes(frequency)) f.fail('frequency', `must be 'r', 'c' or 'f', got '${frequency}'`);
    return {
      id: f.integer('id'),
      name: f.has('name') ? f.string('name') : String(f.integer('id')),
      ...(frequency ? { frequency: frequency as 'r' | 'c' | 'f' } : {}),
    };
  });
  const categoryIds = new Set(categories.map((c) => c.id));
  const images = new Map<number, { record: Omit<ImageRecord, 'annotations'>; annotations: Annotation[] }>();
  arrayOf(file, json, 'images').forEach((raw, i) => {
    const f = new Fields(file, `images[${i}]`, raw);
    const id = f.integer('id');
    if (images.has(id)) f.fail('id', `duplicate image id ${id}`);
    const name = f.has('file_name') ? f.string('file_name') : options.lvis && f.has('coco_url') ? basename(f.string('coco_url')) : f.string('file_name');
    const checkCats = (field: string) => {
      const ids = f.optionalIntegers(field);
      ids?.forEach((c) => categoryIds.has(c) || f.fail(field, `unknown category id ${c}`));
      return ids;
    };
    const neg = options.lvis ? checkCats('neg_category_ids') : undefined;
    const notEx = options.lvis ? checkCats('not_exhaustive_category_ids') : undefined;
    images.set(id, {
      record: {
        id,
        width: f.positive('width'),
        height: f.positive('height'),
        file: join(imagesDir, name),
        ...(neg ? { negCategoryIds: neg, notExhaustiveCategoryIds: notEx ?? [] } : {}),
      },
      annotations: [],
    });
  });
  const annIds = new Set<number>();
  arrayOf(file, json, 'annotations').forEach((raw, i) => {
    const f = new Fields(file, `annotations[${i}]`, raw);
    const id = f.integer('id');
    if (annIds.has(id)) f.fail('id', `duplicate annotation id ${id}`);
    annIds.add(id);
    const imageId = f.integer('image_id');
    const image = images.get(imageId) ?? f.fail('image_id', `no image with id ${imageId}`);
    const categoryId = f.integer('category_id');
    if (!categoryIds.has(categoryId)) f.fail('category_id', `no category with id ${categoryId}`);
    const bbox = f.numbers('bbox', 4) as [number, number, number, number];
    checkBoxInside(f, 'bbox', bbox, image.record.width, image.record.height);
    const iscrowd = f.has('iscrowd') ? f.integer('iscrowd') : 0;
    if (iscrowd !== 0 && iscrowd !== 1) f.fail('iscrowd', `must be 0 or 1, got ${iscrowd}`);
    image.annotations.push({
      id,
      categoryId,
      bbox,
      area: f.has('area') ? f.number('area', (v) => (v >= 0 ? null : `must be ≥ 0, got ${v}`)) : bbox[2] * bbox[3],
      iscrowd: iscrowd === 1,
    });
  });
  return { name: options.name ?? basename(file), categories, images: [...images.values()].map(({ record, annotations }) => ({ ...record, annotations })) };
}

function imagesDirOption(options: Readonly<Record<string, unknown>>, reader: string): string | undefined {
  const v = options.imagesDir;
  if (v !== undefined && typeof v !== 'string') throw new Error(`${reader} reader: option 'imagesDir' must be a path`);
  return v;
}

/** `coco` reader: `source` is an instances json file. */
export class CocoReader implements DatasetReader {
  readonly name = 'coco';
  async read(source: string, options: Readonly<Record<string, unknown>> = {}): Promise<DetectionDataset> {
    return readCocoFile(source, { imagesDir: imagesDirOption(options, 'coco') });
  }
}

/** `lvis` reader: `source` is an LVIS v1 json file; images by `coco_url` basename in `imagesDir`. */
export class LvisReader implements DatasetReader {
  readonly name = 'lvis';
  async read(source: string, options: Readonly<Record<string, unknown>> = {}): Promise<DetectionDataset> {
    return readCocoFile(source, { imagesDir: imagesDirOption(options, 'lvis'), lvis: true });
  }
}
