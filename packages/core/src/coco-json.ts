/** A dataset as COCO instances json (what the evaluators read as ground truth, and what `export` writes). */
import type { DetectionDataset } from './contracts';

export interface CocoInstancesJson {
  images: Array<{ id: number; width: number; height: number; file_name: string; neg_category_ids?: number[]; not_exhaustive_category_ids?: number[] }>;
  annotations: Array<{ id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd: number }>;
  categories: Array<{ id: number; name: string; frequency?: string }>;
}

export function toCocoJson(dataset: DetectionDataset): CocoInstancesJson {
  return {
    images: dataset.images.map((im) => ({
      id: im.id,
      width: im.width,
      height: im.height,
      file_name: im.file ?? `${dataset.name}/${im.id}.png`,
      ...(im.negCategoryIds ? { neg_category_ids: [...im.negCategoryIds], not_exhaustive_category_ids: [...(im.notExhaustiveCategoryIds ?? [])] } : {}),
    })),
    annotations: dataset.images.flatMap((im) =>
      im.annotations.map((a) => ({ id: a.id, image_id: im.id, category_id: a.categoryId, bbox: [...a.bbox], area: a.area, iscrowd: a.iscrowd ? 1 : 0 })),
    ),
    categories: dataset.categories.map((c) => ({ id: c.id, name: c.name, ...(c.frequency ? { frequency: c.frequency } : {}) })),
  };
}
