import { initBackend, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { BoxHead, ContrastiveClassHead, inverseSigmoid } from '../src';

describe('heads', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('contrastive logits = ⟨q, p⟩/√d + bias, padding prompts at −∞, leading layer dimension kept', () => {
    const head = new ContrastiveClassHead(4);
    const q = tf.tensor4d([
      [
        [
          [1, 0, 2, 0],
          [0, 1, 0, 1],
        ],
      ],
    ]); // [L=1,B=1,Q=2,d=4]
    const p = tf.tensor3d([
      [
        [1, 1, 1, 1],
        [2, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    ]); // [B=1,K=3,d]
    const mask = tf.tensor2d([[0, 0, 1]]);
    const out = head.forward(q, p, mask).arraySync() as number[][][][];
    const bias = -Math.log(99);
    expect(out[0][0][0][0]).toBeCloseTo(3 / 2 + bias, 5);
    expect(out[0][0][0][1]).toBeCloseTo(2 / 2 + bias, 5);
    expect(out[0][0][1][0]).toBeCloseTo(2 / 2 + bias, 5);
    expect(out[0][0][0][2]).toBe(-Infinity);
    // gradients reach queries, prompts and the bias, and never come back NaN from the masked entries
    const [gq, gp] = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(tf.sigmoid(head.forward(a, b, mask)), 1)))([q, p]);
    expect(tf.all(tf.isFinite(gq)).arraySync()).toBe(1);
    expect(tf.all(tf.isFinite(gp)).arraySync()).toBe(1);
  });

  it('the box head starts at the references and refines in inverse-sigmoid space', () => {
    const head = new BoxHead(8);
    const ref = tf.tensor2d([[0.3, 0.6, 0.2, 0.1]]);
    const x = tf.randomNormal([1, 8], 0, 1, 'float32', 1);
    const boxes = head.forward(x, ref).arraySync() as number[][];
    [0.3, 0.6, 0.2, 0.1].forEach((v, i) => expect(boxes[0][i]).toBeCloseTo(v, 5));
    expect(inverseSigmoid(tf.tensor1d([0, 1])).arraySync()).toEqual([Math.fround(Math.log(1e-5)), Math.fround(-Math.log(1e-5))]);
    expect([...head.stateDictShapes().keys()]).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
      'layers.2.weight',
      'layers.2.bias',
    ]);
  });
});
