/**
 * ViT-S/14 (DINOv2) on one 224×224 image: forward and forward+backward on the wasm backend, with and
 * without the wasm kernel overrides (transposed matmuls, conv gradients), next to PyTorch CPU on this
 * machine (torch 1.13, best of 1 and 2 threads, median of 5, recorded: 0.12 s forward, 0.31 s fwd+bwd).
 *   npm run bench -w @dino-r1/backbone-dino
 */
import { initBackend, installWasmOverrides, medianSeconds, silentLogger, tf, uninstallWasmOverrides } from '@dino-r1/core';
import { DinoVisionTransformer, DINOV2_PRESETS } from '../src';

async function main(): Promise<void> {
  await initBackend('wasm', { logger: silentLogger });
  const model = new DinoVisionTransformer(DINOV2_PRESETS.vits14);
  const image = tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 1);
  const params = [...model.trainableParameters().values()];
  const forward = () => {
    const f = model.forwardFeatures(image);
    tf.tidy(() => tf.sum(f.patchTokens).dataSync());
    tf.dispose([f.clsToken, f.regTokens, f.patchTokens]);
  };
  const backward = () => {
    const { value, grads } = tf.variableGrads(() => {
      const f = model.forwardFeatures(image, true);
      return tf.add(tf.mean(tf.square(f.patchTokens)), tf.mean(f.clsToken)) as tf.Scalar;
    }, params);
    tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(g))).dataSync());
    tf.dispose([value, ...Object.values(grads)]);
  };
  const rows = [];
  for (const overrides of [true, false]) {
    if (overrides) installWasmOverrides();
    else uninstallWasmOverrides();
    rows.push({
      backend: `wasm, overrides ${overrides ? 'on' : 'off'}`,
      'forward s': +medianSeconds(forward).toFixed(3),
      'fwd+bwd s': +medianSeconds(backward, 3).toFixed(3),
      'torch forward s (recorded)': 0.12,
      'torch fwd+bwd s (recorded)': 0.31,
    });
    console.error(JSON.stringify(rows[rows.length - 1]));
  }
  installWasmOverrides();
  console.log(`\nDINOv2 ViT-S/14 (${(model.parameterCount() / 1e6).toFixed(1)} M parameters), one 224×224 image`);
  console.table(rows);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
