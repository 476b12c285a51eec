/**
 * Multi-scale deformable attention, forward and forward+backward, at the Deformable-DETR decoder size
 * (N=2, M=8, D=32, levels 64²,32²,16²,8², Lq=900, P=4) and encoder size (Lq=5440), next to the PyTorch CPU
 * reference (Deformable-DETR's pure-PyTorch path, torch 1.13, 2 threads, measured on this machine when the
 * issue was written: 0.073 s and 0.66 s forward+backward).   npm run bench -w @dino-r1/decoder
 */
import { initBackend, medianSeconds, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { msDeformAttn, type MsdaImplementation } from '../src';

const SHAPES: Array<[number, number]> = [
  [64, 64],
  [32, 32],
  [16, 16],
  [8, 8],
];
const TORCH_FWD_BWD: Record<string, number> = { decoder: 0.073, encoder: 0.66 };

async function main(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  const N = 2,
    M = 8,
    D = 32,
    L = 4,
    P = 4;
  const S = SHAPES.reduce((s, [h, w]) => s + h * w, 0);
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend, { logger: silentLogger });
    for (const [size, Lq] of [
      ['decoder', 900],
      ['encoder', S],
    ] as const) {
      const value = tf.randomNormal([N, S, M, D], 0, 1, 'float32', 1);
      const loc = tf.randomUniform([N, Lq, M, L, P, 2], -0.1, 1.1, 'float32', 2);
      const attn = tf.reshape(tf.softmax(tf.randomNormal([N, Lq, M, L * P], 0, 1, 'float32', 3)), [N, Lq, M, L, P]);
      // the composed version materialises [N,Lq,M,P,D] per neighbour and level: at the encoder size that
      // exhausts the wasm heap, so it is timed at the decoder size only
      const impls: MsdaImplementation[] = size === 'encoder' ? ['kernel'] : ['kernel', 'composed'];
      for (const impl of impls) {
        const fwd = medianSeconds(
          () => {
            // tfjs kernels run synchronously on cpu and wasm: reading one number is enough to finish the work
            const out = msDeformAttn(value, SHAPES, undefined, loc, attn, impl);
            tf.tidy(() => tf.sum(out).dataSync());
            out.dispose();
          },
          impl === 'composed' ? 3 : 7,
        );
        const fb = medianSeconds(
          () => {
            const g = tf.grads((v: Tensor, l: Tensor, a: Tensor) => tf.sum(msDeformAttn(v, SHAPES, undefined, l, a, impl)))([value, loc, attn]);
            tf.tidy(() => g.forEach((t) => tf.sum(t).dataSync()));
            tf.dispose(g);
          },
          impl === 'composed' ? 3 : 7,
        );
        const row = {
          size: `${size} (Lq=${Lq})`,
          backend,
          implementation: impl,
          'forward s': +fwd.toFixed(3),
          'fwd+bwd s': +fb.toFixed(3),
          'torch fwd+bwd s (recorded)': TORCH_FWD_BWD[size],
          'vs torch': `${(TORCH_FWD_BWD[size] / fb).toFixed(2)}×`,
        };
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
      tf.dispose([value, loc, attn]);
    }
  }
  console.log('\nmulti-scale deformable attention, N=2 M=8 D=32 L=4 P=4');
  console.table(rows);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
