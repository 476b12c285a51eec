/**
 * Contrastive denoising queries (DINO's `CdnQueryGenerator`, with visual prompts in place of class
 * embeddings): per GT box and group, a positive query (box jittered by less than half its size) and a
 * negative one (jittered by between one and two halves); label noise replaces the GT's prompt by a random
 * real prompt with probability `labelNoise/2`. Content = the (noised) prompt's embedding; reference = the
 * noised box. Groups cannot see each other and the matching queries cannot see any denoising query.
 */
import { noGrad, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';

export interface DenoisingOptions {
  /** Total budget of denoising queries per image (DINO: 100): groups = max(1, ⌊budget / (2·maxGT)⌋). */
  readonly budget?: number;
  readonly labelNoise?: number;
  readonly boxNoise?: number;
}

export interface DenoisingQueries {
  /** `[B,Ndn,d]` content queries and `[B,Ndn,4]` reference boxes. */
  readonly content: Tensor;
  readonly references: Tensor;
  /** Positive query ↔ GT pairs per image (query indices within the denoising part). */
  readonly pairs: Array<{ queries: Int32Array; targets: Int32Array }>;
  readonly numQueries: number;
  /** `[Ndn+Q, Ndn+Q]` bool attention mask for `numMatching` matching queries after the denoising ones. */
  attentionMask(numMatching: number): Tensor;
}

export function denoisingQueries(
  gts: ReadonlyArray<{ readonly boxes: Tensor; readonly labels: Tensor }>,
  promptEmb: Tensor,
  promptMask: number[][],
  rng: () => number,
  o: DenoisingOptions = {},
): DenoisingQueries | null {
  const labelNoise = o.labelNoise ?? 0.5;
  const boxNoise = o.boxNoise ?? 1.0;
  const B = gts.length;
  const boxes = gts.map((g) => g.boxes.arraySync() as number[][]);
  const labels = gts.map((g) => Array.from(g.labels.dataSync()));
  const maxGt = Math.max(0, ...boxes.map((b) => b.length));
  if (maxGt === 0) return null;
  const groups = Math.max(1, Math.floor((o.budget ?? 100) / (2 * maxGt)));
  const per = 2 * maxGt; // positives then negatives of one group
  const N = groups * per;
  const [, K, d] = promptEmb.shape as [number, number, number];
  const refs = new Float32Array(B * N * 4).fill(0.5);
  const promptIdx = new Int32Array(B * N);
  const used = new Float32Array(B * N);
  const pairs = gts.map(() => ({ queries: [] as number[], targets: [] as number[] }));
  for (let b = 0; b < B; b++) {
    const real = promptMask[b].flatMap((m, k) => (m ? [] : [k]));
    for (let g = 0; g < groups; g++)
      for (let j = 0; j < boxes[b].length; j++)
        for (const neg of [0, 1]) {
          const q = g * per + neg * maxGt + j;
          const [cx, cy, w, h] = boxes[b][j];
          // jitter corners by sign·part·(w/2, h/2): part ∈ [0,1) for positives, [1,2) for negatives
          const c = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2].map((v, k) => {
            const half = (k % 2 === 0 ? w : h) / 2;
            const sign = rng() < 0.5 ? -1 : 1;
            return Math.min(1, Math.max(0, v + sign * (rng() + neg) * half * boxNoise));
          });
          const at = (b * N + q) * 4;
          refs[at] = (c[0] + c[2]) / 2;
          refs[at + 1] = (c[1] + c[3]) / 2;
          refs[at + 2] = Math.max(c[2] - c[0], 1e-3);
          refs[at + 3] = Math.max(c[3] - c[1], 1e-3);
          const flip = real.length > 1 && rng() < labelNoise / 2;
          promptIdx[b * N + q] = flip ? real[Math.floor(rng() * real.length)] : labels[b][j];
          used[b * N + q] = 1;
          if (!neg) {
            pairs[b].queries.push(q);
            pairs[b].targets.push(j);
          }
        }
  }
  const content = tf.tidy(() => {
    const flatIdx = noGrad(() =>
      tf.add(
        tf.tensor1d(promptIdx, 'int32'),
        tf.tensor1d(
          Int32Array.from({ length: B * N }, (_, i) => Math.floor(i / N) * K),
          'int32',
        ),
      ),
    );
    const rows = tf.gather(tf.reshape(promptEmb, [B * K, d]), flatIdx);
    return tf.reshape(tf.mul(rows, tf.expandDims(tf.tensor1d(used), -1)), [B, N, d]);
  });
  return {
    content,
    references: tf.tensor3d(refs, [B, N, 4]),
    pairs: pairs.map((p) => ({ queries: Int32Array.from(p.queries), targets: Int32Array.from(p.targets) })),
    numQueries: N,
    attentionMask(numMatching: number): Tensor {
      const T = N + numMatching;
      const m = new Uint8Array(T * T);
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) {
          if (i >= N)
            m[i * T + j] = j < N ? 1 : 0; // matching queries never see denoising ones
          else m[i * T + j] = j >= N ? 0 : Math.floor(i / per) !== Math.floor(j / per) ? 1 : 0; // other groups hidden
        }
      return tf.tensor2d(m, [T, T], 'bool');
    },
  };
}
