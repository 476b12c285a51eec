import { initBackend, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { msDeformAttn, type MsdaImplementation } from '../src';
import { CORE, expectClose, load } from './msda-fixtures';

const RUNS: Array<[string, MsdaImplementation]> = [
  ['cpu', 'kernel'],
  ['wasm', 'kernel'],
  ['cpu', 'composed'],
  ['wasm', 'composed'],
];

describe.each(RUNS)('msDeformAttn on %s (%s)', (backend, impl) => {
  beforeAll(() => initBackend(backend as 'cpu' | 'wasm', { logger: silentLogger }));

  it.each(CORE)('%s: output and the three gradients equal the official reference', (name) => {
    const { tensors: t } = load(name);
    const shapes = t.get('spatial_shapes')!;
    const starts = t.get('level_start_index')!;
    const f = (v: Tensor, l: Tensor, a: Tensor) => msDeformAttn(v, shapes, starts, l, a, impl);
    expectClose(f(t.get('value')!, t.get('sampling_locations')!, t.get('attention_weights')!), t.get('expected.output')!, 'output');
    const [gv, gl, ga] = tf.grads((v: Tensor, l: Tensor, a: Tensor) => tf.sum(tf.mul(f(v, l, a), t.get('grad_output')!)))([
      t.get('value')!,
      t.get('sampling_locations')!,
      t.get('attention_weights')!,
    ]);
    expectClose(gv, t.get('expected.grad_value')!, 'grad_value');
    expectClose(gl, t.get('expected.grad_sampling_locations')!, 'grad_sampling_locations');
    expectClose(ga, t.get('expected.grad_attention_weights')!, 'grad_attention_weights');
  });

  it('repeated forward+backward leaves tf.memory().numTensors unchanged', () => {
    const { tensors: t } = load('core_3level');
    const step = () => {
      const g = tf.grads((v: Tensor, l: Tensor, a: Tensor) => tf.sum(msDeformAttn(v, t.get('spatial_shapes')!, t.get('level_start_index')!, l, a, impl)))([
        t.get('value')!,
        t.get('sampling_locations')!,
        t.get('attention_weights')!,
      ]);
      tf.dispose(g);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
