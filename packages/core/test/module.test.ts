import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, loadModule, Module, readSafetensors, saveModule, silentLogger, StateDictError, tf } from '../src';
import type { Tensor } from '@tensorflow/tfjs-core';

class Linear extends Module {
  readonly weight;
  readonly bias;
  constructor(inF: number, outF: number, seed: number) {
    super();
    this.weight = this.param('weight', tf.randomNormal([inF, outF], 0, 1, 'float32', seed), 'linear');
    this.bias = this.param('bias', tf.zeros([outF]));
  }
}

class Block extends Module {
  readonly fc1 = this.module('fc1', new Linear(4, 8, 1));
  readonly fc2 = this.module('fc2', new Linear(8, 4, 2));
  readonly scale = this.buffer('scale', tf.ones([4]));
}

class Net extends Module {
  readonly patch = this.module(
    'patch',
    new (class extends Module {
      readonly weight = this.param('weight', tf.randomNormal([3, 3, 2, 5], 0, 1, 'float32', 3), 'conv2d');
    })(),
  );
  readonly blocks = [0, 1].map((i) => this.module(String(i), new Block()));
}

describe('Module', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('names parameters like a PyTorch state_dict and counts them', () => {
    const net = new Net();
    expect([...net.namedParameters().keys()]).toEqual([
      'patch.weight',
      '0.fc1.weight',
      '0.fc1.bias',
      '0.fc2.weight',
      '0.fc2.bias',
      '1.fc1.weight',
      '1.fc1.bias',
      '1.fc2.weight',
      '1.fc2.bias',
    ]);
    expect(net.parameterCount()).toBe(90 + 2 * (32 + 8 + 32 + 4));
    const shapes = net.stateDictShapes();
    expect(shapes.get('patch.weight')!.shape).toEqual([5, 2, 3, 3]); // OIHW
    expect(shapes.get('0.fc1.weight')!.shape).toEqual([8, 4]); // [out, in]
    expect(shapes.get('0.scale')!.shape).toEqual([4]); // buffers are saved
    net.dispose();
  });

  it('freezes by prefix and multiplies learning rates along the path', () => {
    const net = new Net();
    net.freeze('0');
    expect([...net.trainableParameters().keys()].every((k) => !k.startsWith('0.'))).toBe(true);
    expect(net.parameterCount(true)).toBe(90 + 76);
    net.unfreeze('0.fc2');
    expect(net.trainableParameters().has('0.fc2.bias')).toBe(true);
    net.lrMultiplier = 0.5;
    net.blocks[1].lrMultiplier = 0.1;
    expect(net.parameterLrMultipliers().get('1.fc1.weight')).toBeCloseTo(0.05, 12);
    expect(net.parameterLrMultipliers().get('patch.weight')).toBe(0.5);
    net.dispose();
  });

  it('saves to safetensors in PyTorch layout and loads back exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-mod-'));
    const a = new Net();
    const path = join(dir, 'net.safetensors');
    saveModule(path, a, { step: '7' });
    const raw = readSafetensors(path);
    expect(raw.metadata.step).toBe('7');
    expect(raw.tensors.get('0.fc1.weight')!.shape).toEqual([8, 4]);
    // torch Linear weight [out,in] is the transpose of ours
    const ours = a.blocks[0].fc1.weight.arraySync() as number[][];
    expect(raw.tensors.get('0.fc1.weight')!.data[1 * 4 + 2]).toBeCloseTo(ours[2][1], 7);
    const ourConv = a.patch.weight.arraySync() as number[][][][]; // [kh,kw,in,out]
    expect(raw.tensors.get('patch.weight')!.data[((4 * 2 + 1) * 3 + 2) * 3 + 0]).toBeCloseTo(ourConv[2][0][1][4], 7);

    const b = new Net();
    b.blocks.forEach((blk) => blk.scale.assign(tf.zeros([4])));
    loadModule(path, b);
    for (const [name, t] of b.stateDict()) {
      const ref = a.stateDict().get(name)!;
      expect([...(t.dataSync() as Float32Array)]).toEqual([...(ref.dataSync() as Float32Array)]);
    }
    a.dispose();
    b.dispose();
  });

  it('reports missing, unexpected and mis-shaped keys by name', () => {
    const net = new Net();
    const state = net.stateDict();
    state.delete('0.fc1.bias');
    state.set('extra.weight', tf.zeros([1]));
    state.set('1.fc2.weight', tf.zeros([4, 9]));
    let err: StateDictError | undefined;
    try {
      net.loadStateDict(state);
    } catch (e) {
      err = e as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.report.missing).toEqual(['0.fc1.bias']);
    expect(err!.report.unexpected).toEqual(['extra.weight']);
    expect(err!.report.shapeMismatch).toEqual([{ name: '1.fc2.weight', expected: [4, 8], got: [4, 9] }]);
    expect(err!.message).toContain('shape mismatch for 1.fc2.weight: expected [4,8] (PyTorch layout), got [4,9]');
    // strict load assigned nothing; non-strict assigns what matches
    const before = net.blocks[0].fc2.weight.dataSync().slice();
    const marker = tf.fill([4, 8], 3); // torch layout [out,in] of fc2
    state.set('0.fc2.weight', marker);
    const report = net.loadStateDict(state, { strict: false });
    expect(report.missing).toEqual(['0.fc1.bias']);
    expect(before[0]).not.toBe(3);
    expect(net.blocks[0].fc2.weight.dataSync()[0]).toBe(3);
    for (const t of state.values() as IterableIterator<Tensor>) t.dispose();
    net.dispose();
  });
});

describe('parametersWithoutGradient', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('names parameters the loss does not reach (missing or all-zero gradient) and frees what it made', async () => {
    const { parametersWithoutGradient } = await import('../src');
    const used = tf.variable(tf.tensor1d([1, 2]));
    const unused = tf.variable(tf.tensor1d([3]));
    const zeroed = tf.variable(tf.tensor1d([4]));
    const params = [
      ['used', used],
      ['unused', unused],
      ['zeroed', zeroed],
    ] as const;
    const loss = () => tf.add(tf.sum(tf.square(used)), tf.mul(tf.sum(zeroed), 0)) as tf.Scalar;
    expect(parametersWithoutGradient(loss, params)).toEqual(['unused', 'zeroed']);
    const before = tf.memory().numTensors;
    parametersWithoutGradient(loss, params);
    expect(tf.memory().numTensors).toBe(before);
  });
});
