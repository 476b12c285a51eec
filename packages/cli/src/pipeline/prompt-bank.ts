/**
 * The prompt bank (DESIGN.md §4.4): per category, the mean embedding of its instances' visual prompts on a
 * training split, extracted offline and used as the closed-set prompts at evaluation. Stored as
 * safetensors (`embeddings` [C,d] f32, category ids in the metadata).
 */
import { readSafetensors, tf, writeSafetensors, type PromptBatch, type Detector, type Module } from '@dino-r1/core';
import { normalisedCxcywh, type BatchLoader, collateImages } from '@dino-r1/datasets';

export interface PromptBank {
  readonly categoryIds: readonly number[];
  /** `[C,d]` row-major. */
  readonly embeddings: Float32Array;
  readonly dim: number;
  /** Instances averaged per category. */
  readonly counts: readonly number[];
}

/** Every GT box of the loader's images becomes a prompt on its own image; embeddings are averaged per category. */
export async function extractPromptBank(
  detector: Detector & Module,
  loader: BatchLoader,
  categoryIds: readonly number[],
  onBatch?: (done: number) => void,
): Promise<PromptBank> {
  const d = detector.embeddingDim;
  const sums = new Map(categoryIds.map((c) => [c, new Float64Array(d)]));
  const counts = new Map(categoryIds.map((c) => [c, 0]));
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
    const values = emb.dataSync();
    samples.forEach((s, b) =>
      s.categoryIds.forEach((c, k) => {
        const sum = sums.get(c);
        if (!sum) return;
        for (let j = 0; j < d; j++) sum[j] += values[(b * K + k) * d + j];
        counts.set(c, counts.get(c)! + 1);
      }),
    );
    tf.dispose([emb, images.pixels, images.mask, prompts.boxes, prompts.sourceImage, prompts.mask]);
  }
  const missing = categoryIds.filter((c) => counts.get(c) === 0);
  if (missing.length) throw new Error(`prompt bank: no instance of categories ${missing.join(', ')} in the extraction split`);
  const embeddings = new Float32Array(categoryIds.length * d);
  categoryIds.forEach((c, i) => sums.get(c)!.forEach((v, j) => (embeddings[i * d + j] = v / counts.get(c)!)));
  return { categoryIds: [...categoryIds], embeddings, dim: d, counts: categoryIds.map((c) => counts.get(c)!) };
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
