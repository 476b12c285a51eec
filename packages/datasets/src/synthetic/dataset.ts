/**
 * The synthetic visual-prompt dataset (DESIGN.md §7), generated in code from a seed: the embedded default
 * of the demo and the tests. Splits are independent streams (`deriveSeed(seed, split)`), so `val` and
 * `test` are held out from `train` by construction. Images render lazily through `ImageRecord.render`.
 */
import type { Annotation, DatasetReader, DetectionDataset, ImageRecord } from '@dino-r1/core';
import { deriveSeed } from '../random';
import { DEFAULT_SCENE, layoutScene, renderScene, type SceneOptions } from './scene';
import { COMPOSITIONAL_CATEGORIES, SYNTHETIC_CATEGORIES, type SyntheticCategory } from './shapes';

export type SyntheticVocabulary = 'basic' | 'compositional';
export type SyntheticPartition = 'all' | 'base' | 'novel';

export interface SyntheticOptions extends SceneOptions {
  readonly split: string;
  readonly images: number;
  readonly seed: number;
  /** `basic`: the 12 hand-made categories; `compositional`: 4 shapes × 3 patterns × 3 colours (36). */
  readonly vocabulary: SyntheticVocabulary;
  /**
   * Compositional only: `base` or `novel` categories (see `COMPOSITIONAL_CATEGORIES`), or `all`. A scene of
   * a partition contains instances of that partition's categories only, so novel objects never appear
   * unlabelled in base (training) images.
   */
  readonly partition: SyntheticPartition;
  /** Basic only: how many of the categories to use (the first N). */
  readonly numCategories: number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  ...DEFAULT_SCENE,
  split: 'train',
  images: 512,
  seed: 0,
  vocabulary: 'basic',
  partition: 'all',
  numCategories: SYNTHETIC_CATEGORIES.length,
};

function categoriesOf(o: SyntheticOptions, explicit: Partial<SyntheticOptions>): readonly SyntheticCategory[] {
  if (o.vocabulary === 'compositional') {
    if (explicit.numCategories !== undefined) throw new Error('synthetic: numCategories is for the basic vocabulary; the compositional one has a partition');
    if (!['all', 'base', 'novel'].includes(o.partition)) throw new Error(`synthetic: partition must be all, base or novel, got '${o.partition}'`);
    return COMPOSITIONAL_CATEGORIES.filter((c) => o.partition === 'all' || c.partition === o.partition);
  }
  if (o.vocabulary !== 'basic') throw new Error(`synthetic: vocabulary must be basic or compositional, got '${o.vocabulary}'`);
  if (o.partition !== 'all') throw new Error(`synthetic: partition=${o.partition} needs vocabulary=compositional (the basic vocabulary has no partition)`);
  if (!(o.numCategories >= 1 && o.numCategories <= SYNTHETIC_CATEGORIES.length))
    throw new Error(`synthetic: numCategories must be 1…${SYNTHETIC_CATEGORIES.length}, got ${o.numCategories}`);
  return SYNTHETIC_CATEGORIES.slice(0, o.numCategories);
}

export function syntheticDataset(options: Partial<SyntheticOptions> = {}): DetectionDataset {
  const o = { ...DEFAULT_SYNTHETIC, ...options };
  const categories = categoriesOf(o, options);
  if (!(o.minInstances >= 0 && o.maxInstances >= o.minInstances))
    throw new Error(`synthetic: need 0 ≤ minInstances ≤ maxInstances, got ${o.minInstances}, ${o.maxInstances}`);
  if (!(o.minScale > 0 && o.maxScale <= 1 && o.maxScale >= o.minScale))
    throw new Error(`synthetic: need 0 < minScale ≤ maxScale ≤ 1, got ${o.minScale}, ${o.maxScale}`);
  const base = deriveSeed(o.seed, o.split);
  const images: ImageRecord[] = [];
  let annId = 1;
  for (let i = 0; i < o.images; i++) {
    const layout = layoutScene(deriveSeed(base, String(i)), categories, o);
    const annotations: Annotation[] = layout.objects.map((ob) => ({
      id: annId++,
      categoryId: ob.categoryId,
      bbox: ob.bbox,
      area: ob.bbox[2] * ob.bbox[3],
      iscrowd: false,
    }));
    images.push({ id: i + 1, width: o.width, height: o.height, annotations, render: () => renderScene(layout, o) });
  }
  const label = o.vocabulary === 'basic' ? o.split : `${o.split}-${o.vocabulary}${o.partition === 'all' ? '' : `-${o.partition}`}`;
  return { name: `synthetic-${label}`, categories: categories.map(({ id, name }) => ({ id, name })), images };
}

/** `synthetic` reader: `source` is the split name (`train`, `val`, `test`, or any label); options as `SyntheticOptions`. */
export class SyntheticReader implements DatasetReader {
  readonly name = 'synthetic';
  async read(source: string, options: Readonly<Record<string, unknown>> = {}): Promise<DetectionDataset> {
    const known = new Set(Object.keys(DEFAULT_SYNTHETIC));
    for (const [k, v] of Object.entries(options)) {
      if (!known.has(k)) throw new Error(`synthetic: unknown option '${k}'; known: ${[...known].join(', ')}`);
      const text = k === 'split' || k === 'vocabulary' || k === 'partition';
      if (text ? typeof v !== 'string' : typeof v !== 'number')
        throw new Error(`synthetic: option '${k}' must be a ${text ? 'string' : 'number'}, got ${JSON.stringify(v)}`);
    }
    return syntheticDataset({ ...(options as Partial<SyntheticOptions>), split: source || 'train' });
  }
}
