import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { initBackend, loadTensors, parametersWithoutGradient, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { dinov2Config, DinoVisionTransformer } from '../src';

const DIR = resolve(__dirname, '../../../../shared/fixtures/dinov2');

function load(name: string) {
  const path = resolve(DIR, `${name}.safetensors`);
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the tests need ../shared beside the repository`);
  return loadTensors(path);
}

function expectClose(got: Tensor, exp: Tensor, what: string): void {
  expect(got.shape).toEqual(exp.shape);
  const g = got.dataSync();
  const e = exp.dataSync();
  for (let i = 0; i < e.length; i++) {
    if (!(Math.abs(g[i] - e[i]) <= 1e-4 + 1e-4 * Math.abs(e[i]))) throw new Error(`${what}[${i}]: got ${g[i]}, expected ${e[i]}`);
  }
}

/** Builds the model from a fixture's config and loads its official weights strictly. */
export function fixtureModel(name: string): { model: DinoVisionTransformer; io: ReturnType<typeof load> } {
  const weights = load(`${name}.weights`);
  const model = new DinoVisionTransformer(dinov2Config(weights.metadata, `${name}.weights.safetensors`));
  model.loadStateDict(weights.tensors, { source: `${name}.weights.safetensors` });
  return { model, io: load(`${name}.io`) };
}

describe.each(['cpu', 'wasm'] as const)('DINOv2 on %s equals the official DinoVisionTransformer', (backend) => {
  beforeAll(() => initBackend(backend, { logger: silentLogger }));

  it.each(['vit_tiny_56', 'vit_reg4_70x84'])('%s: forward_features and get_intermediate_layers (atol 1e-4, rtol 1e-4)', (name) => {
    const { model, io } = fixtureModel(name);
    const image = tf.transpose(io.tensors.get('image')!, [0, 2, 3, 1]); // NCHW → NHWC
    const f = model.forwardFeatures(image);
    expectClose(f.clsToken, io.tensors.get('x_norm_clstoken')!, 'x_norm_clstoken');
    expectClose(f.patchTokens, io.tensors.get('x_norm_patchtokens')!, 'x_norm_patchtokens');
    if (io.tensors.has('x_norm_regtokens')) expectClose(f.regTokens, io.tensors.get('x_norm_regtokens')!, 'x_norm_regtokens');
    const layers: number[] = JSON.parse(io.metadata.intermediate_layers);
    model.getIntermediateLayers(image, layers).forEach((t, k) => {
      expectClose(tf.transpose(t, [0, 3, 1, 2]), io.tensors.get(`intermediate.${layers[k]}`)!, `intermediate.${layers[k]}`);
    });
  });

  it('forward+backward reaches every parameter and leaves tf.memory().numTensors unchanged', () => {
    const { model, io } = fixtureModel('vit_reg4_70x84');
    const image = tf.transpose(io.tensors.get('image')!, [0, 2, 3, 1]);
    const params = [...model.namedParameters()].filter(([n]) => n !== 'mask_token');
    const step = () =>
      parametersWithoutGradient(() => {
        const f = model.forwardFeatures(image, true);
        return tf.add(tf.sum(tf.square(f.patchTokens)), tf.add(tf.sum(f.clsToken), tf.sum(f.regTokens))) as tf.Scalar;
      }, params);
    expect(step()).toEqual([]);
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
