/**
 * Where a run's weights start: `model.backboneWeights` (`--backbone-weights`) puts a pretrained DINOv2 into
 * the detector's backbone — from the official-format and the Hugging Face-format fixture checkpoints, every
 * backbone tensor equal to the file — and `model.initFrom` (`--init-from`) a whole detector checkpoint,
 * non-strict, with the report printed and written to the run directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dinov2Config, DinoVisionTransformer } from '@dino-r1/backbone-dino';
import { initBackend, loadTensors, saveModule, silentLogger, tensorsToEntries, tf, writeSafetensors } from '@dino-r1/core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initialiseWeights } from '../src/pipeline/init-weights';
import { buildModel } from '../src/pipeline/model';
import { toHuggingFace } from '../../backbone-dino/test/hf-names';
import { MICRO_BACKBONE, MICRO_DETECTOR, micro } from './micro';

const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/dinov2/vit_reg4_70x84.weights.safetensors');
const BIN = resolve(__dirname, '../bin/dino-r1.js');
const tmp = () => mkdtempSync(join(tmpdir(), 'dino-r1-init-'));
const same = (a: Tensor, b: Tensor) => Buffer.from((a.dataSync() as Float32Array).buffer).equals(Buffer.from((b.dataSync() as Float32Array).buffer));

describe('model.backboneWeights', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it.each(['official', 'hugging-face'])('the tiny detector’s backbone from the %s-named DINOv2 fixture: every backbone tensor equals the file', (naming) => {
    if (!existsSync(FIXTURE)) throw new Error(`missing fixture ${FIXTURE}: the tests need ../shared beside the repository`);
    const official = loadTensors(FIXTURE);
    let file = FIXTURE;
    if (naming === 'hugging-face') {
      file = join(tmp(), 'hf.safetensors');
      writeSafetensors(file, tensorsToEntries(toHuggingFace(official.tensors)));
    }
    const config = micro({ model: { preset: 'tiny', options: { ...dinov2Config(official.metadata), detector: MICRO_DETECTOR }, backboneWeights: file } });
    const model = buildModel(config, silentLogger);
    const report = initialiseWeights(model, config, silentLogger)!;
    expect(report.backboneWeights!.loaded).toHaveLength(official.tensors.size);
    const state = model.policy.stateDict();
    for (const [k, t] of official.tensors) {
      const own = state.get(`detector.backbone.vit.${k}`);
      expect([k, own?.shape]).toEqual([k, t.shape]);
      expect([k, same(own!, t)]).toEqual([k, true]);
    }
    tf.dispose([...state.values()]);
    model.policy.dispose();
  });

  it('a checkpoint of another architecture is refused, naming the tensors', () => {
    const config = micro({ model: { backboneWeights: FIXTURE } });
    const model = buildModel(config, silentLogger);
    expect(() => initialiseWeights(model, config, silentLogger)).toThrow(/is not a checkpoint of this backbone's architecture.*register_tokens/s);
    model.policy.dispose();
  });

  it('dino-r1 train --backbone-weights prints the report and writes init.json; config.json records the file', () => {
    const dir = tmp();
    const vit = join(dir, 'vit.safetensors');
    saveModule(vit, new DinoVisionTransformer(MICRO_BACKBONE));
    const config = join(dir, 'micro.json');
    writeFileSync(config, JSON.stringify(micro()));
    const r = spawnSync('node', [BIN, 'train', '--config', config, '--steps', '1', '--out', join(dir, 'run'), '--pictures', '0', '--backbone-weights', vit], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    expect(r.stderr).toMatch(/backbone weights .*vit\.safetensors: \d+ tensors loaded, \d+ new \(pyramid\./);
    const init = JSON.parse(readFileSync(join(dir, 'run', 'init.json'), 'utf8'));
    expect(init.backboneWeights.source).toBe(vit);
    expect(init.backboneWeights.loaded).toContain('vit.pos_embed');
    expect(JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8')).model.backboneWeights).toBe(vit);
    const both = spawnSync('node', [BIN, 'train', '--config', config, '--out', join(dir, 'x'), '--backbone-weights', vit, '--init-from', vit], {
      encoding: 'utf8',
    });
    expect(both.stderr).toContain('model.backboneWeights and model.initFrom are both set');
  }, 120000);
});

describe('model.initFrom', () => {
  let file: string;
  let saved: Map<string, Tensor>;
  beforeAll(async () => {
    await initBackend('cpu', { logger: silentLogger });
    const source = buildModel(micro({ seed: 7 }), silentLogger);
    file = join(tmp(), 'detector.safetensors');
    saveModule(file, source.policy);
    saved = loadTensors(file).tensors;
    source.policy.dispose();
  });

  it.each(['this project’s (detector.…)', 'PyTorch state_dict (no prefix)'])('a %s checkpoint sets every tensor of the detector', (kind) => {
    let path = file;
    if (kind.startsWith('PyTorch')) {
      path = join(tmp(), 'torch.safetensors');
      writeSafetensors(path, tensorsToEntries(new Map([...saved].map(([k, t]) => [k.replace(/^detector\./, ''), t]))));
    }
    const config = micro({ model: { initFrom: path } });
    const model = buildModel(config, silentLogger);
    const report = initialiseWeights(model, config, silentLogger)!.initFrom!;
    expect([report.missing, report.unexpected, report.shapeMismatch]).toEqual([[], [], []]);
    expect(report.loaded).toHaveLength(saved.size);
    const state = model.policy.stateDict();
    for (const [k, t] of saved) expect([k, same(state.get(k)!, t)]).toEqual([k, true]);
    tf.dispose([...state.values()]);
    model.policy.dispose();
  });

  it('is non-strict: tensors of other shapes are skipped and reported, the rest loaded', () => {
    const config = micro({ model: { options: { detector: { numQueries: 7 } }, initFrom: file } });
    const model = buildModel(config, silentLogger);
    const report = initialiseWeights(model, config, silentLogger)!.initFrom!;
    expect(report.shapeMismatch.length).toBeGreaterThan(0);
    expect(report.loaded.length).toBeGreaterThan(report.shapeMismatch.length);
    expect(report.loaded.some((k) => k.startsWith('detector.backbone.'))).toBe(true);
    model.policy.dispose();
    const unrelated = micro({ model: { initFrom: FIXTURE } });
    const other = buildModel(unrelated, silentLogger);
    expect(() => initialiseWeights(other, unrelated, silentLogger)).toThrow(/model\.initFrom: no tensor of .* matches this detector/);
    other.policy.dispose();
  });
});
