import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend, loadTensors, saveModule, silentLogger, tensorsToEntries, tf, writeSafetensors } from '@dino-r1/core';
import { dinov2Config, DinoVisionTransformer, inferDinov2Config, loadDinov2Checkpoint } from '../src';
import { toHuggingFace } from './hf-names';

const DIR = resolve(__dirname, '../../../../shared/fixtures/dinov2');
const WEIGHTS = join(DIR, 'vit_reg4_70x84.weights.safetensors');

describe('DINOv2 checkpoints', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('loads a Hugging Face-named checkpoint and gives the same outputs; saves back with official names', () => {
    if (!existsSync(WEIGHTS)) throw new Error(`missing fixture ${WEIGHTS}: the tests need ../shared beside the repository`);
    const official = loadTensors(WEIGHTS);
    const config = dinov2Config(official.metadata);
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-hf-'));
    const hfPath = join(dir, 'hf.safetensors');
    writeSafetensors(hfPath, tensorsToEntries(toHuggingFace(official.tensors)));

    const a = new DinoVisionTransformer(config);
    loadDinov2Checkpoint(WEIGHTS, a);
    const b = new DinoVisionTransformer(config);
    loadDinov2Checkpoint(hfPath, b);
    const image = tf.randomNormal([1, 70, 84, 3], 0, 1, 'float32', 7);
    expect([...b.forwardFeatures(image).patchTokens.dataSync()]).toEqual([...a.forwardFeatures(image).patchTokens.dataSync()]);

    const saved = join(dir, 'official.safetensors');
    saveModule(saved, b);
    const back = loadTensors(saved).tensors;
    expect([...back.keys()].sort()).toEqual([...official.tensors.keys()].sort());
    expect([...back.get('blocks.1.attn.qkv.weight')!.dataSync()]).toEqual([...official.tensors.get('blocks.1.attn.qkv.weight')!.dataSync()]);
  });

  it('infers the architecture from shapes', () => {
    const { tensors } = loadTensors(WEIGHTS);
    const shapes = new Map([...tensors].map(([k, t]) => [k, t.shape]));
    expect(inferDinov2Config(shapes)).toEqual({
      embed_dim: 64,
      patch_size: 14,
      img_size: 56,
      depth: 2,
      num_register_tokens: 4,
      ffn_layer: 'mlp',
      mlp_ratio: 4,
    });
  });

  it('names a missing key or a wrong shape', () => {
    const { tensors, metadata } = loadTensors(WEIGHTS);
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-bad-'));
    const missing = new Map(tensors);
    missing.delete('blocks.1.ls2.gamma');
    writeSafetensors(join(dir, 'missing.safetensors'), tensorsToEntries(missing));
    const model = new DinoVisionTransformer(dinov2Config(metadata));
    expect(() => loadDinov2Checkpoint(join(dir, 'missing.safetensors'), model)).toThrow(/missing\.safetensors:\n {2}missing keys: blocks\.1\.ls2\.gamma/);
    const wrong = new Map(tensors);
    wrong.set('norm.weight', tf.zeros([65]));
    writeSafetensors(join(dir, 'wrong.safetensors'), tensorsToEntries(wrong));
    expect(() => loadDinov2Checkpoint(join(dir, 'wrong.safetensors'), model)).toThrow(
      'shape mismatch for norm.weight: expected [64] (PyTorch layout), got [65]',
    );
  });
});
