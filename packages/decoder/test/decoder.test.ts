import { initBackend, parametersWithoutGradient, silentLogger, tf } from '@dino-r1/core';
import { BoxHead, Decoder, flattenLevels } from '../src';

const d = 32;
const opts = { dModel: d, numLayers: 2, numLevels: 2, numHeads: 4, numPoints: 2, ffnDim: 64 };

function setup(seed: number) {
  const mask = tf.zeros([1, 16, 16]);
  const levels = [tf.randomNormal([1, 8, 8, d], 0, 1, 'float32', seed), tf.randomNormal([1, 4, 4, d], 0, 1, 'float32', seed + 1)];
  const mem = flattenLevels(levels, mask, tf.zeros([2, d]), { numFeats: d / 2 });
  const dec = new Decoder(opts);
  const heads = [new BoxHead(d), new BoxHead(d)];
  // trained-like offsets (the official init zeroes them, which would hide gradient paths)
  for (const layer of dec.layers.items)
    for (const lin of [layer.cross_attn.sampling_offsets, layer.cross_attn.attention_weights])
      lin.weight.assign(tf.randomNormal(lin.weight.shape, 0, 0.01, 'float32', 7));
  for (const h of heads) h.layers.items[2].weight.assign(tf.randomNormal([d, 4], 0, 0.01, 'float32', 8));
  return { mem, dec, heads };
}

describe('DINO decoder', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('refines boxes layer by layer; a masked group of queries cannot influence the others', () => {
    const { mem, dec, heads } = setup(1);
    const Q = 6;
    const q = tf.randomNormal([1, Q, d], 0, 1, 'float32', 2);
    const ref = tf.sigmoid(tf.randomNormal([1, Q, 4], 0, 1, 'float32', 3));
    // queries 0-2 and 3-5 are two groups that may not see each other
    const mask = tf.tensor2d(
      Array.from({ length: Q }, (_, i) => Array.from({ length: Q }, (_, j) => i < 3 !== j < 3)),
      [Q, Q],
      'bool',
    );
    const a = dec.forward(q, ref, mem.memory, mem, heads, mask);
    expect(a.hidden.shape).toEqual([2, 1, Q, d]);
    expect(a.boxes.shape).toEqual([2, 1, Q, 4]);
    const q2 = tf.concat([tf.slice(q, [0, 0, 0], [1, 3, d]), tf.mul(tf.slice(q, [0, 3, 0], [1, 3, d]), 5)], 1);
    const b = dec.forward(q2, ref, mem.memory, mem, heads, mask);
    const ha = a.hidden.arraySync() as number[][][][];
    const hb = b.hidden.arraySync() as number[][][][];
    for (let l = 0; l < 2; l++) for (let i = 0; i < 3; i++) ha[l][0][i].forEach((v, c) => expect(hb[l][0][i][c]).toBeCloseTo(v, 4));
    expect(Math.abs(ha[1][0][4][0] - hb[1][0][4][0])).toBeGreaterThan(1e-4);
  });

  it('has mmdetection names; every parameter gets a gradient; tensors stay flat', () => {
    const { mem, dec, heads } = setup(4);
    expect([...dec.stateDictShapes().keys()]).toEqual(
      expect.arrayContaining([
        'layers.0.self_attn.attn.in_proj_weight',
        'layers.0.self_attn.attn.out_proj.weight',
        'layers.1.cross_attn.value_proj.weight',
        'layers.0.norms.2.bias',
        'ref_point_head.layers.1.weight',
        'norm.weight',
      ]),
    );
    const q = tf.randomNormal([1, 5, d], 0, 1, 'float32', 5);
    const ref = tf.sigmoid(tf.randomNormal([1, 5, 4], 0, 1, 'float32', 6));
    const vars = [...dec.namedParameters(), ...heads.flatMap((h, i) => [...h.namedParameters()].map(([n, v]) => [`head${i}.${n}`, v] as const))];
    const step = () =>
      parametersWithoutGradient(() => {
        const o = dec.forward(q, ref, mem.memory, mem, heads);
        return tf.add(tf.sum(tf.square(o.hidden)), tf.sum(o.boxes)) as tf.Scalar;
      }, vars);
    expect(step()).toEqual([]);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
