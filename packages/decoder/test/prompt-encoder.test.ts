import { initBackend, parametersWithoutGradient, silentLogger, tf, type PromptBatch } from '@dino-r1/core';
import { flattenLevels, VisualPromptEncoder } from '../src';

const d = 32;

function memOf(seed: number, scale1 = 1) {
  const mask = tf.zeros([2, 16, 16]);
  const l0 = tf.randomNormal([2, 8, 8, d], 0, 1, 'float32', seed);
  const l1 = tf.randomNormal([2, 4, 4, d], 0, 1, 'float32', seed + 1);
  // optionally change image 0 only
  const s = tf.reshape(tf.tensor1d([scale1, 1]), [2, 1, 1, 1]);
  return flattenLevels([tf.mul(l0, s), tf.mul(l1, s)], mask, tf.zeros([2, d]), { numFeats: d / 2 });
}

function prompts(padBox = 0.5): PromptBatch {
  return {
    // row 0: one real prompt drawn on image 1, one padding slot; row 1: two prompts on image 1 and 0
    boxes: tf.tensor3d([
      [
        [0.3, 0.4, 0.2, 0.2],
        [padBox, padBox, 0.1, 0.1],
      ],
      [
        [0.6, 0.5, 0.3, 0.2],
        [0.2, 0.7, 0.2, 0.3],
      ],
    ]),
    sourceImage: tf.tensor2d(
      [
        [1, 0],
        [1, 0],
      ],
      [2, 2],
      'int32',
    ),
    mask: tf.tensor2d([
      [0, 1],
      [0, 0],
    ]),
    categoryIds: [
      [3, -1],
      [3, 5],
    ],
  };
}

describe('visual prompt encoder', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('embeds every prompt from the image it was drawn on; padding is zero and inert', () => {
    const enc = new VisualPromptEncoder({ dModel: d, numLevels: 2, numHeads: 4, numPoints: 2, ffnDim: 64 });
    for (const layer of enc.layers.items)
      layer.cross_attn.sampling_offsets.weight.assign(tf.randomNormal(layer.cross_attn.sampling_offsets.weight.shape, 0, 0.01, 'float32', 3));
    const mem = memOf(1);
    const out = enc.forward(mem.memory, mem, prompts()).arraySync() as number[][][];
    expect(out[0][1].every((v) => v === 0)).toBe(true);
    // the padding box changes nothing
    const moved = enc.forward(mem.memory, mem, prompts(0.9)).arraySync() as number[][][];
    out[0][0].forEach((v, c) => expect(moved[0][0][c]).toBeCloseTo(v, 5));
    // row 0's only prompt reads image 1: changing image 0 leaves it unchanged, but changes row 1's prompt from image 0
    const mem2 = memOf(1, 3);
    const other = enc.forward(mem2.memory, mem2, prompts()).arraySync() as number[][][];
    out[0][0].forEach((v, c) => expect(other[0][0][c]).toBeCloseTo(v, 4));
    expect(Math.abs(other[1][1][0] - out[1][1][0])).toBeGreaterThan(1e-4);
  });

  it('every parameter gets a gradient; tensors stay flat', () => {
    const enc = new VisualPromptEncoder({ dModel: d, numLevels: 2, numHeads: 4, numPoints: 2, ffnDim: 64 });
    for (const layer of enc.layers.items)
      for (const lin of [layer.cross_attn.sampling_offsets, layer.cross_attn.attention_weights])
        lin.weight.assign(tf.randomNormal(lin.weight.shape, 0, 0.01, 'float32', 4));
    const mem = memOf(5);
    const p = prompts();
    const vars = [...enc.namedParameters()];
    const step = () => parametersWithoutGradient(() => tf.sum(tf.square(enc.forward(mem.memory, mem, p))) as tf.Scalar, vars);
    expect(step()).toEqual([]);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
