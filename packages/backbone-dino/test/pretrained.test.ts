/**
 * `DinoV2Backbone.loadPretrained` (what `model.backboneWeights` / `--backbone-weights` call): the ViT from
 * the official-format and the Hugging Face-format fixture checkpoints, tensor for tensor; a position grid of
 * another size resampled with the official interpolation (checked against the official
 * `interpolate_pos_encoding` outputs of the fixture); a checkpoint of another architecture refused, naming
 * the mismatching tensors.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { initBackend, loadTensors, saveModule, silentLogger, tensorsToEntries, tf, writeSafetensors } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { dinov2Config, DinoV2Backbone, DinoVisionTransformer } from '../src';
import { toHuggingFace } from './hf-names';

const DIR = resolve(__dirname, '../../../../shared/fixtures/dinov2');

function fixture(name: string): string {
  const path = join(DIR, name);
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the tests need ../shared beside the repository`);
  return path;
}

/** Every ViT tensor of `backbone` (official names, PyTorch layouts) equals the file's. */
function expectViTEquals(backbone: DinoV2Backbone, file: Map<string, Tensor>): void {
  const own = backbone.vit.stateDict();
  expect([...own.keys()].sort()).toEqual([...file.keys()].sort());
  for (const [k, t] of own) {
    expect([k, t.shape]).toEqual([k, file.get(k)!.shape]);
    expect([k, Buffer.from((t.dataSync() as Float32Array).buffer).equals(Buffer.from((file.get(k)!.dataSync() as Float32Array).buffer))]).toEqual([k, true]);
  }
  tf.dispose([...own.values()]);
}

describe('DinoV2Backbone.loadPretrained', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it.each(['official', 'hugging-face'])('loads every ViT tensor of the %s-named fixture; the pyramid stays new', (naming) => {
    const path = fixture('vit_reg4_70x84.weights.safetensors');
    const official = loadTensors(path);
    let file = path;
    if (naming === 'hugging-face') {
      file = join(mkdtempSync(join(tmpdir(), 'dino-r1-hf-')), 'hf.safetensors');
      writeSafetensors(file, tensorsToEntries(toHuggingFace(official.tensors)));
    }
    const backbone = new DinoV2Backbone(dinov2Config(official.metadata));
    const report = backbone.loadPretrained(file);
    expectViTEquals(backbone, official.tensors);
    expect(report.source).toBe(file);
    expect(report.loaded.sort()).toEqual([...official.tensors.keys()].map((k) => `vit.${k}`).sort());
    expect(report.reshaped).toEqual([]);
    expect(report.initialised.length).toBeGreaterThan(0);
    expect(report.initialised.every((n) => n.startsWith('pyramid.'))).toBe(true);
  });

  it.each([
    [false, 0, 'aa0_off0.0'],
    [true, 0.1, 'aa1_off0.1'],
  ])('a 4×4 grid loaded into a 3×3 model is resampled as the official interpolate_pos_encoding (antialias %s, offset %s)', (antialias, offset, tag) => {
    const interp = loadTensors(fixture('pos_embed_interp.safetensors')).tensors;
    const arch = { embed_dim: 8, depth: 1, num_heads: 2, patch_size: 14, interpolate_antialias: antialias, interpolate_offset: offset };
    const source = new DinoVisionTransformer({ ...arch, img_size: 56 });
    source.pos_embed.assign(interp.get('pos_embed')!);
    const file = join(mkdtempSync(join(tmpdir(), 'dino-r1-grid-')), 'vit.safetensors');
    saveModule(file, source);
    const backbone = new DinoV2Backbone({ ...arch, img_size: 42 });
    const report = backbone.loadPretrained(file);
    expect(report.reshaped).toEqual([{ name: 'vit.pos_embed', from: [1, 17, 8], to: [1, 10, 8] }]);
    const got = backbone.vit.pos_embed.dataSync();
    const expected = interp.get(`interp.${tag}.3x3`)!.dataSync();
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThanOrEqual(1e-5);
  });

  it('refuses a checkpoint of another architecture, naming the mismatching tensors', () => {
    const withRegisters = fixture('vit_reg4_70x84.weights.safetensors');
    const plain = loadTensors(fixture('vit_tiny_56.weights.safetensors')).metadata;
    const noRegisters = new DinoV2Backbone(dinov2Config(plain));
    expect(() => noRegisters.loadPretrained(withRegisters)).toThrow(/is not a checkpoint of this backbone's architecture .*unexpected keys: register_tokens/s);
    const narrow = new DinoV2Backbone({ ...dinov2Config(plain), embed_dim: 32, num_heads: 2 });
    expect(() => narrow.loadPretrained(fixture('vit_tiny_56.weights.safetensors'))).toThrow(
      /shape mismatch for cls_token: expected \[1,1,32\].*got \[1,1,64\]/s,
    );
  });
});
