import { initBackend, parametersWithoutGradient, silentLogger, tf } from '@dino-r1/core';
import { DeformableEncoder, encoderReferencePoints, flattenLevels } from '../src';

const d = 32;
const opts = { dModel: d, numLayers: 2, numLevels: 2, numHeads: 4, numPoints: 2, ffnDim: 64 };

/** Two levels (8×8, 4×4) of an image whose right quarter is padding (pixel mask 16×16). */
function inputs(seed: number, padValue?: number) {
  const mask = tf.tensor3d([Array.from({ length: 16 }, () => Array.from({ length: 16 }, (_, j) => (j >= 12 ? 1 : 0)))]);
  const lv = [tf.randomNormal([1, 8, 8, d], 0, 1, 'float32', seed), tf.randomNormal([1, 4, 4, d], 0, 1, 'float32', seed + 1)];
  const levels =
    padValue === undefined
      ? lv
      : lv.map((l) => {
          const [, _h, w] = l.shape;
          const cols = tf.reshape(tf.range(0, w), [1, 1, w, 1]);
          const padded = tf.greaterEqual(cols, (w * 12) / 16);
          return tf.where(tf.broadcastTo(padded, l.shape), tf.fill(l.shape, padValue), l);
        });
  return { mask, levels };
}

describe('deformable encoder', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('reference points are pixel centres normalised by the valid extent, then scaled per level', () => {
    const vr = tf.tensor3d([
      [
        [0.75, 1],
        [0.5, 1],
      ],
    ]); // level 0: 3/4 of the width is real; level 1: half
    const ref = encoderReferencePoints(
      [
        [2, 4],
        [1, 2],
      ],
      vr,
    ).arraySync() as number[][][][];
    // token (row 1, col 2) of level 0: x = 2.5 / (0.75·4), y = 1.5 / (1·2); on level 1 scaled by (0.5, 1)
    const x = 2.5 / 3;
    const y = 1.5 / 2;
    expect(ref[0][6][0][0]).toBeCloseTo(x * 0.75, 6);
    expect(ref[0][6][1][0]).toBeCloseTo(x * 0.5, 6);
    expect(ref[0][6][0][1]).toBeCloseTo(y, 6);
  });

  it('padding never influences real tokens (changing padded features changes nothing there)', () => {
    const enc = new DeformableEncoder(opts);
    const levelEmbed = tf.randomNormal([2, d], 0, 1, 'float32', 9);
    const a = inputs(1);
    const b = inputs(1, 50);
    const memA = flattenLevels(a.levels, a.mask, levelEmbed, { numFeats: d / 2 });
    const memB = flattenLevels(b.levels, b.mask, levelEmbed, { numFeats: d / 2 });
    expect(memA.spatialShapes).toEqual([
      [8, 8],
      [4, 4],
    ]);
    expect(memA.validRatios.arraySync()).toEqual([
      [
        [0.75, 1],
        [0.75, 1],
      ],
    ]);
    const outA = enc.forward(memA).arraySync() as number[][][];
    const outB = enc.forward(memB).arraySync() as number[][][];
    const pad = memA.paddingMask.arraySync() as number[][];
    let real = 0;
    pad[0].forEach((p, s) => {
      if (p) return;
      real++;
      outA[0][s].forEach((v, c) => expect(outB[0][s][c]).toBeCloseTo(v, 4));
    });
    expect(real).toBe(48 + 12);
    // padded tokens themselves did change: the comparison is not vacuous
    const s = pad[0].indexOf(1);
    expect(Math.abs(outA[0][s][0] - outB[0][s][0])).toBeGreaterThan(1e-3);
  });

  it('has mmdetection names; every parameter and the level embedding get gradients; memory is flat', () => {
    const enc = new DeformableEncoder(opts);
    expect([...enc.stateDictShapes().keys()]).toEqual(
      expect.arrayContaining([
        'layers.0.self_attn.sampling_offsets.weight',
        'layers.1.ffn.layers.0.0.weight',
        'layers.1.ffn.layers.1.bias',
        'layers.0.norms.1.weight',
      ]),
    );
    const levelEmbed = tf.variable(tf.randomNormal([2, d], 0, 1, 'float32', 3));
    const { mask, levels } = inputs(4);
    // The official init zeroes the offset and attention-weight projections, so at step 0 positions (and
    // the level embedding) cannot reach the loss; give them the small values training quickly would.
    for (const layer of enc.layers.items) {
      for (const lin of [layer.self_attn.sampling_offsets, layer.self_attn.attention_weights])
        lin.weight.assign(tf.randomNormal(lin.weight.shape, 0, 0.01, 'float32', 5));
    }
    const vars = [...enc.namedParameters(), ['level_embed', levelEmbed] as const];
    const step = () =>
      parametersWithoutGradient(() => {
        const mem = flattenLevels(levels, mask, levelEmbed, { numFeats: d / 2 });
        return tf.sum(tf.square(enc.forward(mem))) as tf.Scalar;
      }, vars);
    expect(step()).toEqual([]);
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});
