/**
 * GFLOP/s of the kernels the wasm overrides replace, with and without the overrides, in one run.
 *   npm run bench -w @dino-r1/core
 */
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { initBackend, installWasmOverrides, medianSeconds, silentLogger, tf, uninstallWasmOverrides } from '../src';

function timeIt(f: () => Tensor | Tensor[]): number {
  return medianSeconds(
    () => {
      const out = tf.tidy(f);
      const list = Array.isArray(out) ? out : [out];
      list.forEach((t) => t.dataSync());
      tf.dispose(list);
    },
    3,
    1,
  );
}

export async function benchWasmOverrides(): Promise<void> {
  await initBackend('wasm', { logger: silentLogger });
  const n = 1024;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const x = tf.randomNormal([2, 64, 64, 128]) as Tensor4D;
  const w = tf.randomNormal([3, 3, 128, 128]) as Tensor4D;
  const dy1 = tf.randomNormal([2, 64, 64, 128]) as Tensor4D;
  const xs2 = tf.randomNormal([2, 32, 32, 256]) as Tensor4D;
  const wt = tf.randomNormal([2, 2, 128, 256]) as Tensor4D;

  const convFlops = 2 * 2 * 64 * 64 * 128 * 128 * 9;
  const cases: Array<{ name: string; flops: number; run: () => Tensor | Tensor[]; needsOverride?: boolean }> = [
    { name: 'matMul 1024² (plain)', flops: 2 * n ** 3, run: () => tf.matMul(a, b) },
    { name: 'matMul 1024² transposeA', flops: 2 * n ** 3, run: () => tf.matMul(a, b, true, false) },
    { name: 'matMul 1024² transposeB', flops: 2 * n ** 3, run: () => tf.matMul(a, b, false, true) },
    { name: 'conv2d 3×3 forward [2,64,64,128]', flops: convFlops, run: () => tf.conv2d(x, w, 1, 'same') },
    {
      name: 'conv2d 3×3 input gradient',
      flops: convFlops,
      run: () => tf.conv2dTranspose(dy1, w, [2, 64, 64, 128], 1, 'same'),
    },
    {
      name: 'conv2dTranspose 2×2 s2 [2,32,32,256]→128',
      flops: 2 * 2 * 32 * 32 * 256 * 128 * 4,
      run: () => tf.conv2dTranspose(xs2, wt, [2, 64, 64, 128], 2, 'valid'),
    },
    {
      name: 'conv2d 3×3 filter gradient',
      flops: convFlops,
      run: () => tf.grad((ww: Tensor) => tf.sum(tf.mul(tf.conv2d(x, ww as Tensor4D, 1, 'same'), dy1)))(w),
      needsOverride: true,
    },
  ];

  const rows: Array<Record<string, string | number>> = [];
  for (const c of cases) {
    uninstallWasmOverrides();
    let without = NaN;
    if (!c.needsOverride) without = timeIt(c.run);
    installWasmOverrides();
    const withO = timeIt(c.run);
    rows.push({
      kernel: c.name,
      'GFLOP/s without': c.needsOverride ? 'not registered' : +(c.flops / without / 1e9).toFixed(2),
      'GFLOP/s with': +(c.flops / withO / 1e9).toFixed(2),
      speedup: c.needsOverride ? '—' : `${(without / withO).toFixed(1)}×`,
    });
  }
  console.log('\nwasm kernel overrides (tfjs-backend-wasm SIMD, 1 thread)');
  console.table(rows);
  tf.dispose([a, b, x, w, dy1, xs2, wt]);
}
