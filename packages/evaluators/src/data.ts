/**
 * Ground truth and detections in memory, indexed for evaluation. Shared by the COCO and LVIS
 * evaluators: GT from COCO instances json (or LVIS v1), detections from a COCO results list.
 */
import type { ResultDetection } from '@dino-r1/core';
import { arrayField, EvalInputError, readJsonFile, RecordReader } from './input';

export interface GtAnnotation {
  readonly id: number;
  readonly imageId: number;
  readonly categoryId: number;
  readonly bbox: readonly [number, number, number, number];
  /** The annotation's `area` field (decides its area range; not w·h). */
  readonly area: number;
  readonly iscrowd: boolean;
}

export interface GtImage {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  /** LVIS: categories verified absent. */
  readonly negCategoryIds: ReadonlySet<number>;
  /** LVIS: categories not exhaustively annotated. */
  readonly notExhaustiveCategoryIds: ReadonlySet<number>;
}

export interface GtCategory {
  readonly id: number;
  readonly name: string;
  readonly frequency?: 'r' | 'c' | 'f';
}

export interface Detection {
  /** 1-based position in the (possibly cut) results list, as pycocotools / lvis-api number them. */
  readonly id: number;
  readonly imageId: number;
  readonly categoryId: number;
  readonly bbox: readonly [number, number, number, number];
  /** w·h */
  readonly area: number;
  readonly score: number;
}

export class GroundTruth {
  readonly images = new Map<number, GtImage>();
  readonly categories = new Map<number, GtCategory>();
  readonly annotations: GtAnnotation[] = [];
  /** Annotations per image, in file order. */
  readonly byImage = new Map<number, GtAnnotation[]>();

  constructor(readonly source: string) {}

  /** Parses COCO instances json (or LVIS v1: `neg_category_ids`, `not_exhaustive_category_ids`, `frequency`). */
  static parse(json: unknown, source = 'ground truth'): GroundTruth {
    const gt = new GroundTruth(source);
    arrayField(source, json, 'images').forEach((raw, i) => {
      const r = RecordReader.of(source, `images[${i}]`, raw);
      const id = r.id('id');
      if (gt.images.has(id)) r.fail('id', `duplicate image id ${id}`);
      gt.images.set(id, {
        id,
        width: r.number('width', 0),
        height: r.number('height', 0),
        negCategoryIds: new Set(r.ids('neg_category_ids')),
        notExhaustiveCategoryIds: new Set(r.ids('not_exhaustive_category_ids')),
      });
    });
    arrayField(source, json, 'categories').forEach((raw, i) => {
      const r = RecordReader.of(source, `categories[${i}]`, raw);
      const id = r.id('id');
      if (gt.categories.has(id)) r.fail('id', `duplicate category id ${id}`);
      const frequency = r.has('frequency') ? r.string('frequency') : undefined;
      if (frequency !== undefined && !['r', 'c', 'f'].includes(frequency)) r.fail('frequency', `must be r, c or f (got ${frequency})`);
      gt.categories.set(id, { id, name: r.string('name', String(id)), frequency: frequency as GtCategory['frequency'] });
    });
    const annIds = new Set<number>();
    arrayField(source, json, 'annotations').forEach((raw, i) => {
      const r = RecordReader.of(source, `annotations[${i}]`, raw);
      const ann: GtAnnotation = {
        id: r.id('id'),
        imageId: r.id('image_id'),
        categoryId: r.id('category_id'),
        bbox: r.bbox(),
        area: r.number('area'),
        iscrowd: r.boolish('iscrowd'),
      };
      if (annIds.has(ann.id)) r.fail('id', `duplicate annotation id ${ann.id}`);
      annIds.add(ann.id);
      if (!gt.images.has(ann.imageId)) r.fail('image_id', `image ${ann.imageId} is not in images`);
      if (!gt.categories.has(ann.categoryId)) r.fail('category_id', `category ${ann.categoryId} is not in categories`);
      gt.annotations.push(ann);
      const list = gt.byImage.get(ann.imageId);
      if (list) list.push(ann);
      else gt.byImage.set(ann.imageId, [ann]);
    });
    return gt;
  }

  static load(path: string): GroundTruth {
    return GroundTruth.parse(readJsonFile(path), path);
  }

  sortedImageIds(): number[] {
    return [...this.images.keys()].sort((a, b) => a - b);
  }

  sortedCategoryIds(): number[] {
    return [...this.categories.keys()].sort((a, b) => a - b);
  }
}

/**
 * Validates a COCO results list against the ground truth. Unknown image ids are an error (pycocotools
 * asserts the same); detections of categories the GT does not list are kept and, as in pycocotools,
 * never evaluated. Returns the records with their 1-based `id` and `area = w·h`.
 */
export function parseDetections(json: unknown, gt: GroundTruth, source = 'detections'): Detection[] {
  if (!Array.isArray(json)) throw new EvalInputError(source, '', 'results must be a JSON array of {image_id, category_id, bbox, score}');
  return json.map((raw, i) => {
    const r = RecordReader.of(source, `[${i}]`, raw);
    const imageId = r.id('image_id');
    if (!gt.images.has(imageId)) r.fail('image_id', `image ${imageId} is not in the ground truth (${gt.source})`);
    const bbox = r.bbox();
    return { id: i + 1, imageId, categoryId: r.id('category_id'), bbox, area: bbox[2] * bbox[3], score: r.number('score') };
  });
}

export function loadDetections(path: string, gt: GroundTruth): Detection[] {
  return parseDetections(readJsonFile(path), gt, path);
}

/** Converts streamed `ResultDetection`s (already validated by the caller's types) with ids continuing from `offset`. */
export function toDetections(list: readonly ResultDetection[], gt: GroundTruth, offset: number, source = 'added detections'): Detection[] {
  return parseDetections(list as unknown[], gt, source).map((d) => ({ ...d, id: d.id + offset }));
}
