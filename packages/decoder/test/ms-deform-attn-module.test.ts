import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { initBackend, loadTensors, silentLogger, tf } from '@dino-r1/core';
import { MSDeformAttn, type MsdaImplementation } from '../src';

const DIR = resolve(__dirname, '../../../../shared/fixtures/msda');

function load(name: string) {
  const path = resolve(DIR, `${name}.safetensors`);
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the tests need ../shared beside the repository`);
  return loadTensors(path);
}

const PARAMS = ['sampling_offsets', 'attention_weights', 'value_proj', 'output_proj'].flatMap((n) => [`${n}.weight`, `${n}.bias`]);

describe.each([
  ['cpu', 'kernel'],
  ['wasm', 'kernel'],
  ['wasm', 'composed'],
] as Array<[string, MsdaImplementation]>)('MSDeformAttn module on %s (%s)', (backend, impl) => {
  beforeAll(() => initBackend(backend as 'cpu' | 'wasm', { logger: silentLogger }));

  it.each(['module_ref2_mask', 'module_ref4'])('%s: official weights (strict load), output within 1e-5 + 1e-4·|e|', (name) => {
    const { tensors: t, metadata } = load(name);
    const m = new MSDeformAttn({
      dModel: Number(metadata.d_model),
      nHeads: Number(metadata.n_heads),
      nLevels: Number(metadata.n_levels),
      nPoints: Number(metadata.n_points),
    });
    m.implementation = impl;
    expect([...m.stateDictShapes().keys()].sort()).toEqual([...PARAMS].sort());
    m.loadStateDict(new Map(PARAMS.map((k) => [k, t.get(k)!]))); // strict: names and PyTorch shapes must agree
    const out = m.forward(
      t.get('query')!,
      t.get('reference_points')!,
      t.get('input_flatten')!,
      t.get('spatial_shapes')!,
      t.get('level_start_index')!,
      t.get('input_padding_mask') ?? null,
    );
    const exp = t.get('expected.output')!;
    expect(out.shape).toEqual(exp.shape);
    const g = out.dataSync();
    const e = exp.dataSync();
    for (let i = 0; i < e.length; i++) expect(Math.abs(g[i] - e[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(e[i]));
  });
});

describe('MSDeformAttn initialisation and masks', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('follows the official init: zero offset weights, direction-grid offset bias, zero attention logits', () => {
    const m = new MSDeformAttn({ dModel: 16, nHeads: 4, nLevels: 2, nPoints: 3, seed: 1 });
    expect(tf.max(tf.abs(m.sampling_offsets.weight)).arraySync()).toBe(0);
    const bias = m.sampling_offsets.bias!.arraySync() as number[];
    // head 0 points along +x, head 1 along +y; point p is scaled by p+1
    expect(bias.slice(0, 6)).toEqual([1, 0, 2, 0, 3, 0]);
    expect(bias[2 * 3 * 2 + 1]).toBeCloseTo(1, 6);
    expect(tf.max(tf.abs(m.attention_weights.bias!)).arraySync()).toBe(0);
  });

  it('padding positions never influence the output (changing them changes nothing)', () => {
    const m = new MSDeformAttn({ dModel: 16, nHeads: 4, nLevels: 2, nPoints: 3, seed: 2 });
    const shapes: Array<[number, number]> = [
      [4, 4],
      [2, 2],
    ];
    const S = 20;
    const q = tf.randomNormal([1, 5, 16], 0, 1, 'float32', 3);
    const ref = tf.randomUniform([1, 5, 2, 2], 0, 1, 'float32', 4);
    const x = tf.randomNormal([1, S, 16], 0, 1, 'float32', 5);
    const mask = tf.tensor2d([Array.from({ length: S }, (_, i) => (i % 4 === 3 ? 1 : 0))]);
    const changed = tf.where(tf.cast(tf.expandDims(mask, -1), 'bool'), tf.mul(x, 100), x);
    const a = m.forward(q, ref, x, shapes, undefined, mask).dataSync();
    const b = m.forward(q, ref, changed, shapes, undefined, mask).dataSync();
    expect([...b]).toEqual([...a]);
  });
});
