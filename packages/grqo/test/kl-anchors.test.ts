import { initBackend, Module, silentLogger, tf } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { EmaAnchor, EpochSnapshotAnchor, FrozenInitialAnchor, NoAnchor, PeriodicMixupAnchor } from '../src';

class Tiny extends Module {
  readonly w = this.param('w', tf.tensor1d([1, 2]));
  logits(): Tensor {
    return tf.mul(this.w, 10);
  }
}

const set = (m: Tiny, v: number[]) => m.w.assign(tf.tensor1d(v));
const ref = (anchor: { withReferenceWeights: <T extends Tensor>(f: () => T) => T | null }, m: Tiny) => [
  ...anchor.withReferenceWeights(() => m.logits())!.dataSync(),
];

describe('KL anchors', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('epoch-snapshot takes a copy at every epoch start and restores the policy after a reference forward', () => {
    const m = new Tiny();
    const a = new EpochSnapshotAnchor();
    a.attach(m);
    a.onEpochStart(0);
    set(m, [3, 4]);
    expect(ref(a, m)).toEqual([10, 20]); // reference = weights at epoch start
    expect([...m.w.dataSync()]).toEqual([3, 4]); // policy restored
    a.onEpochStart(1);
    set(m, [5, 6]);
    expect(ref(a, m)).toEqual([30, 40]);
  });

  it('frozen-initial never moves; none gives no reference', () => {
    const m = new Tiny();
    const f = new FrozenInitialAnchor();
    f.attach(m);
    set(m, [7, 7]);
    f.onEpochStart(3);
    f.onStepEnd(10);
    expect(ref(f, m)).toEqual([10, 20]);
    const n = new NoAnchor();
    n.attach(m);
    expect(n.withReferenceWeights(() => m.logits())).toBeNull();
  });

  it('periodic-mixup mixes every τ steps; ema after every step', () => {
    const m = new Tiny();
    const p = new PeriodicMixupAnchor(2, 0.5);
    p.attach(m);
    set(m, [3, 4]);
    p.onStepEnd(1);
    expect(ref(p, m)).toEqual([10, 20]);
    p.onStepEnd(2); // θ_ref ← 0.5·[3,4] + 0.5·[1,2] = [2,3]
    expect(ref(p, m)).toEqual([20, 30]);
    const e = new EmaAnchor(0.9);
    e.attach(m); // reference [3,4]
    set(m, [13, 4]);
    e.onStepEnd(1); // 0.1·13 + 0.9·3 = 4
    expect(ref(e, m)[0]).toBeCloseTo(40, 4);
    expect(() => new PeriodicMixupAnchor(0, 0.5)).toThrow(/every >= 1/);
  });

  it('reference forwards leave no gradient and no tensors behind', () => {
    const m = new Tiny();
    const a = new EpochSnapshotAnchor();
    a.attach(m);
    set(m, [2, 2]);
    const g = tf.grad((w: Tensor) => {
      const r = a.withReferenceWeights(() => m.logits())!;
      return tf.sum(tf.mul(w, r));
    })(m.w);
    expect([...g.dataSync()]).toEqual([10, 20]); // r treated as a constant
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) ref(a, m);
    tf.tidy(() => undefined);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 3); // only the returned results
  });
});
