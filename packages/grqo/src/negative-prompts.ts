/**
 * Negative prompts beyond the batch (DESIGN.md §7: categories not present become negative prompts, "sampled
 * from other images' prompts or the bank"). With batch 2 a batch shows few categories, so few negatives; the
 * pool keeps the newest prompt embedding seen of every category (a running bank, detached, as a MoCo-style
 * queue) and adds up to `size` of the categories absent from a batch as finished embeddings
 * (`PromptBatch.negatives`). They enter the class logits and the objectness like any prompt, no GT points
 * at them, and they carry no gradient. The pool is part of the checkpoint, so resumed runs are exact.
 */
import { lcg, tf } from '@dino-r1/core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { DetectorBatch } from './policy';

/** What the trainer needs from a source of negative prompts for batches of type `B`. */
export interface NegativePromptSource<B> {
  /** `batch` with negatives added (new tensors, freed by `release`); `batch` itself when there are none. */
  add(batch: B, seed: number): B;
  /** Learns from the `[B,K,d]` prompt embeddings of a training forward of `batch` (an `add` result). */
  observe(batch: B, promptEmbeddings: Tensor): void;
  release(batch: B): void;
  state(): Map<string, Tensor>;
  loadState(state: ReadonlyMap<string, Tensor>): void;
  dispose(): void;
}

export class NegativePromptPool implements NegativePromptSource<DetectorBatch> {
  /** Category id → its newest `[d]` prompt embedding. */
  private readonly pool = new Map<number, Tensor>();
  private readonly made = new WeakSet<DetectorBatch>();

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 0)) throw new Error(`negative prompts: size must be an integer ≥ 0 (got ${size})`);
  }

  /** Category ids currently in the pool, ascending. */
  categories(): number[] {
    return [...this.pool.keys()].sort((a, b) => a - b);
  }

  add(batch: DetectorBatch, seed: number): DetectorBatch {
    if (this.size === 0) return batch;
    const row = batch.prompts.categoryIds[0] ?? [];
    const present = new Set(row.filter((c) => c >= 0));
    const candidates = this.categories().filter((c) => !present.has(c));
    const random = lcg(seed);
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
    }
    const chosen = candidates.slice(0, this.size);
    if (chosen.length === 0) return batch;
    const N = chosen.length;
    const { prompts } = batch;
    const [B] = prompts.mask.shape;
    const prompt = tf.tidy(() => ({
      boxes: tf.concat([prompts.boxes, tf.fill([B, N, 4], 0.5)], 1) as tf.Tensor3D,
      sourceImage: tf.concat([prompts.sourceImage, tf.zeros([B, N], 'int32')], 1) as tf.Tensor2D,
      mask: tf.concat([prompts.mask, tf.zeros([B, N])], 1) as tf.Tensor2D,
      negatives: tf.stack(chosen.map((c) => this.pool.get(c)!)) as Tensor2D,
    }));
    const out: DetectorBatch = {
      ...batch,
      prompts: { ...prompt, categoryIds: prompts.categoryIds.map((r) => [...r, ...chosen]) },
      promptMask: prompt.mask,
    };
    this.made.add(out);
    return out;
  }

  observe(batch: DetectorBatch, promptEmbeddings: Tensor): void {
    const row = batch.prompts.categoryIds[0] ?? [];
    const own = row.length - (batch.prompts.negatives?.shape[0] ?? 0);
    const mask = batch.prompts.mask.dataSync();
    for (let k = 0; k < own; k++) {
      const c = row[k];
      if (c < 0 || mask[k] !== 0) continue;
      const emb = tf.keep(tf.tidy(() => tf.reshape(tf.slice(promptEmbeddings, [0, k, 0], [1, 1, -1]), [-1])));
      this.pool.get(c)?.dispose();
      this.pool.set(c, emb);
    }
  }

  release(batch: DetectorBatch): void {
    if (!this.made.has(batch)) return;
    this.made.delete(batch);
    const p = batch.prompts;
    tf.dispose([p.boxes, p.sourceImage, p.mask, ...(p.negatives ? [p.negatives] : [])]);
  }

  state(): Map<string, Tensor> {
    return new Map([...this.pool].map(([c, t]) => [String(c), t]));
  }

  loadState(state: ReadonlyMap<string, Tensor>): void {
    this.dispose();
    for (const [k, t] of state) {
      const c = Number(k);
      if (!Number.isInteger(c)) throw new Error(`negative-prompt pool: saved state key '${k}' is not a category id`);
      this.pool.set(c, tf.keep(tf.clone(t)));
    }
  }

  dispose(): void {
    for (const t of this.pool.values()) t.dispose();
    this.pool.clear();
  }
}
