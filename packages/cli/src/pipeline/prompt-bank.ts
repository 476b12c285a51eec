/**
 * The prompt bank (DESIGN.md §4.4): per category, the mean embedding of its instances' visual prompts on a
 * training split, extracted offline and used as the closed-set prompts at evaluation. Stored as
 * safetensors (`embeddings` [C,d] f32, category ids in the metadata).
 */
import { readSafetensors, tf, writeSafetensors, type PromptBatch, type Detector, type Module } from '@dino-r1/core';
import { normalisedCxcywh, Random, type BatchLoader, collateImages } from '@dino-r1/datasets';

export interface PromptBank {
  readonly categoryIds: readonly number[];
  /** `[C,d]` row-major. */
  readonly embeddings: Float32Array;
  readonly dim: number;
  /** Instances averaged per category. */
  readonly counts: readonly number[];
}

/** One GT instance's prompt embedding (its box prompted on its own image). */
export interface InstanceEmbedding {
  readonly categoryId: number;
  readonly imageId: number;
  /** `[d]` */
  readonly embedding: Float32Array;
}

/** Every GT box of the loader's images as a prompt on its own image, in loader order; categories outside `categoryIds` are skipped. */
export async function extractInstanceEmbeddings(
  detector: Detector & Module,
  loader: BatchLoader,
  categoryIds: readonly number[],
  onBatch?: (done: number) => void,
): Promise<InstanceEmbedding[]> {
  const d = detector.embeddingDim;
  const wanted = new Set(categoryIds);
  const out: InstanceEmbedding[] = [];
  for await (const group of loader.sampleGroups(0)) {
    onBatch?.(group.done);
    const samples = group.samples.filter((s) => s.boxes.length > 0);
    if (samples.length === 0) continue;
    const K = Math.max(...samples.map((s) => s.boxes.length));
    const images = collateImages(samples, loader.options.padMultiple ?? 1);
    const rows = samples.map((s) =>
      Array.from({ length: K }, (_, k) => (k < s.boxes.length ? normalisedCxcywh(s.boxes[k], s.width, s.height) : [0.5, 0.5, 0.1, 0.1])),
    );
    const prompts: PromptBatch = {
      boxes: tf.tensor3d(rows, [samples.length, K, 4]),
      sourceImage: tf.tensor2d(
        samples.map((_, b) => Array(K).fill(b)),
        [samples.length, K],
        'int32',
      ),
      mask: tf.tensor2d(
        samples.map((s) => Array.from({ length: K }, (_, k) => (k < s.boxes.length ? 0 : 1))),
        [samples.length, K],
      ),
      categoryIds: samples.map((s) => Array.from({ length: K }, (_, k) => s.categoryIds[k] ?? -1)),
    };
    const emb = detector.promptEmbeddings(images, prompts);
    const values = emb.dataSync() as Float32Array;
    samples.forEach((s, b) =>
      s.categoryIds.forEach((c, k) => {
        if (wanted.has(c)) out.push({ categoryId: c, imageId: s.imageId, embedding: values.slice((b * K + k) * d, (b * K + k + 1) * d) });
      }),
    );
    tf.dispose([emb, images.pixels, images.mask, prompts.boxes, prompts.sourceImage, prompts.mask]);
  }
  return out;
}

/** Per category, the mean of its instances' embeddings (accumulated in float64, in the instances' order). */
export function meanBank(instances: readonly InstanceEmbedding[], categoryIds: readonly number[], dim: number): PromptBank {
  const sums = new Map(categoryIds.map((c) => [c, new Float64Array(dim)]));
  const counts = new Map(categoryIds.map((c) => [c, 0]));
  for (const { categoryId, embedding } of instances) {
    const sum = sums.get(categoryId);
    if (!sum) continue;
    for (let j = 0; j < dim; j++) sum[j] += embedding[j];
    counts.set(categoryId, counts.get(categoryId)! + 1);
  }
  const missing = categoryIds.filter((c) => counts.get(c) === 0);
  if (missing.length) throw new Error(`prompt bank: no instance of categories ${missing.join(', ')} in the extraction split`);
  const embeddings = new Float32Array(categoryIds.length * dim);
  categoryIds.forEach((c, i) => sums.get(c)!.forEach((v, j) => (embeddings[i * dim + j] = v / counts.get(c)!)));
  return { categoryIds: [...categoryIds], embeddings, dim, counts: categoryIds.map((c) => counts.get(c)!) };
}

/**
 * K-shot bank: per category, K instances drawn without replacement (a seeded Fisher–Yates over the
 * category's instances in loader order, categories in `categoryIds` order) and averaged. A category with
 * fewer than K instances is an error naming it.
 */
export function kShotBank(instances: readonly InstanceEmbedding[], categoryIds: readonly number[], dim: number, shots: number, seed: number): PromptBank {
  const random = new Random(seed);
  const picked: InstanceEmbedding[] = [];
  for (const c of categoryIds) {
    const pool = instances.filter((i) => i.categoryId === c);
    if (pool.length < shots) throw new Error(`--shots ${shots}: category ${c} has only ${pool.length} instances in the support split`);
    for (let i = 0; i < shots; i++) {
      const j = i + Math.floor(random.next() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
      picked.push(pool[i]);
    }
  }
  return meanBank(picked, categoryIds, dim);
}

/** Every GT box of the loader's images becomes a prompt on its own image; embeddings are averaged per category. */
export async function extractPromptBank(
  detector: Detector & Module,
  loader: BatchLoader,
  categoryIds: readonly number[],
  onBatch?: (done: number) => void,
): Promise<PromptBank> {
  return meanBank(await extractInstanceEmbeddings(detector, loader, categoryIds, onBatch), categoryIds, detector.embeddingDim);
}

/** The bank as the prompts of a batch of `B` images (every image gets every category). */
export function bankPrompts(bank: PromptBank, B: number): PromptBatch {
  const C = bank.categoryIds.length;
  return tf.tidy(() => ({
    boxes: tf.zeros([B, C, 4]) as tf.Tensor3D,
    sourceImage: tf.zeros([B, C], 'int32') as tf.Tensor2D,
    mask: tf.zeros([B, C]) as tf.Tensor2D,
    categoryIds: Array.from({ length: B }, () => [...bank.categoryIds]),
    embeddings: tf.broadcastTo(tf.tensor3d(bank.embeddings, [1, C, bank.dim]), [B, C, bank.dim]) as tf.Tensor3D,
  }));
}

export function savePromptBank(bank: PromptBank, file: string): void {
  writeSafetensors(
    file,
    { embeddings: { dtype: 'F32', shape: [bank.categoryIds.length, bank.dim], data: bank.embeddings } },
    { category_ids: JSON.stringify(bank.categoryIds), counts: JSON.stringify(bank.counts) },
  );
}

export function loadPromptBank(file: string): PromptBank {
  const st = readSafetensors(file);
  const t = st.tensors.get('embeddings');
  if (t?.shape.length !== 2) throw new Error(`${file}: a prompt bank needs a 2-d 'embeddings' tensor`);
  let categoryIds: number[];
  try {
    categoryIds = JSON.parse(st.metadata.category_ids ?? '');
  } catch {
    throw new Error(`${file}: metadata field 'category_ids' missing or not a JSON list`);
  }
  if (!Array.isArray(categoryIds) || categoryIds.length !== t.shape[0]) throw new Error(`${file}: metadata 'category_ids' must list ${t.shape[0]} ids`);
  return { categoryIds, embeddings: Float32Array.from(t.data as Float32Array), dim: t.shape[1], counts: JSON.parse(st.metadata.counts ?? '[]') };
}
