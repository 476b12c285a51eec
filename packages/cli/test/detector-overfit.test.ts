/**
 * The assembled DINO-R1 detector (tiny, DINOv2 backbone) trained with the GRQO trainer: it overfits one
 * image with visual prompts, every parameter receives gradient from the SFT and GRQO losses, and the
 * tensor count stays flat.
 */
import { createContainer, initBackend, parametersWithoutGradient, parseConfig, silentLogger, tf, TOKENS } from '@dino-r1/core';
import { DinoV2Backbone } from '@dino-r1/backbone-dino';
import { DETECTOR_PRESETS, DinoR1Detector } from '@dino-r1/decoder';
import { BatchLoader, disposeBatch, normalise, syntheticDataset, type Batch } from '@dino-r1/datasets';
import { DetectorPolicy, grqoLoss, grqoPlugin, sftLoss, Trainer, trainerComponents, type DetectorBatch } from '@dino-r1/grqo';
import { rewardsPlugin } from '@dino-r1/rewards';

function tinyDetector(denoising = true): DinoR1Detector {
  const backbone = new DinoV2Backbone({ img_size: 56, patch_size: 14, embed_dim: 32, depth: 2, num_heads: 2 });
  return new DinoR1Detector(backbone, {
    dModel: 32,
    numLevels: 4,
    encoderLayers: 1,
    decoderLayers: 2,
    promptLayers: 1,
    numQueries: 12,
    numHeads: 4,
    numPoints: 2,
    ffnDim: 64,
    gnGroups: 8,
    denoising: denoising ? { budget: 8 } : undefined,
  });
}

/** One 56×56 image: two bright squares of different colours; the prompts are their boxes. */
function oneImage(): DetectorBatch {
  const px = new Float32Array(56 * 56 * 3).fill(-1);
  const paint = (x0: number, y0: number, s: number, c: number[]) => {
    for (let y = y0; y < y0 + s; y++) for (let x = x0; x < x0 + s; x++) c.forEach((v, k) => (px[(y * 56 + x) * 3 + k] = v));
  };
  paint(6, 8, 14, [2, -1, -1]);
  paint(30, 28, 20, [-1, 2, 2]);
  const gt = [
    [(6 + 7) / 56, (8 + 7) / 56, 14 / 56, 14 / 56],
    [(30 + 10) / 56, (28 + 10) / 56, 20 / 56, 20 / 56],
  ];
  return {
    images: { pixels: tf.tensor4d(px, [1, 56, 56, 3]), mask: tf.zeros([1, 56, 56]) as tf.Tensor3D, sizes: [[56, 56]] },
    prompts: { boxes: tf.tensor3d([gt]), sourceImage: tf.tensor2d([[0, 0]], [1, 2], 'int32'), mask: tf.zeros([1, 2]) as tf.Tensor2D, categoryIds: [[1, 2]] },
    gts: [{ boxes: tf.tensor2d(gt), labels: tf.tensor1d([0, 1], 'int32') }],
  };
}

describe('DinoR1Detector', () => {
  beforeAll(() => initBackend('wasm', { logger: silentLogger }));

  it('outputs what the losses need, with mmdetection-style names', () => {
    const det = tinyDetector();
    const b = oneImage();
    const out = det.forward(b.images, b.prompts, false);
    expect(out.predLogits.shape).toEqual([2, 1, 12, 2]);
    expect(out.predBoxes.shape).toEqual([2, 1, 12, 4]);
    expect(out.selectionLogits.shape).toEqual([1, 12]);
    expect([...det.stateDictShapes().keys()]).toEqual(
      expect.arrayContaining([
        'backbone.vit.pos_embed',
        'neck.convs.0.conv.weight',
        'level_embed',
        'encoder.layers.0.self_attn.value_proj.weight',
        'memory_trans_fc.weight',
        'query_embedding.weight',
        'decoder.layers.1.cross_attn.sampling_offsets.bias',
        'bbox_head.cls_branches.2.bias',
        'bbox_head.reg_branches.2.layers.2.weight',
        'prompt_encoder.content_query',
      ]),
    );
    expect(out.denoising).toBeUndefined(); // inference: no denoising queries
    const train = det.forward(b.images, b.prompts, true, b.gts);
    expect(train.denoising!.predLogits.shape).toEqual([2, 1, 8, 2]); // 2 groups × (2 positives + 2 negatives)
    expect(Array.from(train.denoising!.pairs[0].queries)).toEqual([0, 1, 4, 5]);
    const dets = det.postProcess(out, b.prompts, b.images, 5);
    expect(dets).toHaveLength(5);
    expect(dets.every((d) => d.categoryId === 1 || d.categoryId === 2)).toBe(true);
  });

  it('every detector parameter receives gradient from SFT- and GRQO-shaped losses', () => {
    const det = tinyDetector();
    // leave the official zero-inits behind (one SGD-like nudge), so no path is hidden at step 0
    for (const [name, v] of det.namedParameters())
      if (/sampling_offsets\.weight|attention_weights\.weight|reg_branches\.\d+\.layers\.2\.weight/.test(name))
        v.assign(tf.randomNormal(v.shape, 0, 0.01, 'float32', 1));
    const b = oneImage();
    const parts = trainerComponents(createContainer({}, [rewardsPlugin, grqoPlugin], { logger: silentLogger }));
    const params = [...det.namedParameters()].filter(([n]) => !n.endsWith('mask_token'));
    const dead = parametersWithoutGradient(() => {
      const o = det.forward(b.images, b.prompts, true, b.gts);
      const sft = sftLoss({ ...o, gts: b.gts }, { matchRewards: parts.matchRewards }).loss; // includes the denoising terms
      const ref = tf.mul(o.selectionLogits, 0.9);
      const grqo = grqoLoss(
        { selLogits: o.selectionLogits, refSelLogits: ref, predLogits: o.predLogits, predBoxes: o.predBoxes, gts: b.gts },
        { alpha: 0.01, beta: 0.04, muteFraction: 1 / 3 },
        { rewards: parts.rewards },
      ).loss;
      return tf.add(sft, grqo) as tf.Scalar;
    }, params);
    expect(dead).toEqual([]);
  });

  it('the tiny preset overfits one synthetic image with prompts under sft+grqo; tf.memory().numTensors stays flat', async () => {
    const config = parseConfig({
      objective: 'sft+grqo',
      optim: { lr: 1e-3, clipNorm: 1, backboneLrMultiplier: 1, weightDecay: 0 },
      grqo: { klAnchor: { name: 'epoch-snapshot', options: { every: 50 } } },
    });
    const c = createContainer(config, [rewardsPlugin, grqoPlugin], { logger: silentLogger });
    // the demo's tiny detector; denoising queries draw new noise every step by design, so overfitting
    // is measured on the matching path (denoising off)
    const det = new DinoR1Detector(new DinoV2Backbone({ img_size: 128, patch_size: 16, embed_dim: 96, depth: 3, num_heads: 3 }), {
      ...DETECTOR_PRESETS.tiny,
      denoising: undefined,
    });
    const trainer = new Trainer<DetectorBatch>({
      config,
      model: new DetectorPolicy(det),
      ...trainerComponents(c),
    });
    const loader = new BatchLoader(syntheticDataset({ split: 'overfit', images: 1, seed: 5, minInstances: 4, maxInstances: 4 }), {
      batchSize: 1,
      transform: normalise(),
      padMultiple: 32,
      shuffle: false,
    });
    const batch = (await loader.epoch(0).next()).value as Batch;
    expect(batch.prompts.categoryIds[0].length).toBeGreaterThanOrEqual(2);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let s = 0; s < 150; s++) {
      losses.push(trainer.trainStep([batch]).loss);
      counts.push(tf.memory().numTensors);
    }
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    process.stderr.write(`overfit (tiny preset): loss ${first.toFixed(3)} → ${last.toFixed(3)} in 150 steps\n`);
    expect(last).toBeLessThan(first / 4);
    expect(new Set(counts.slice(1)).size).toBe(1);
    disposeBatch(batch);
  }, 600000);
});

describe('DinoR1Detector in the container', () => {
  it('is bound by the decoder plugin around the configured backbone; padding pixels never matter', async () => {
    const { decoderPlugin } = await import('@dino-r1/decoder');
    const { backboneDinoPlugin } = await import('@dino-r1/backbone-dino');
    const c = createContainer(
      {
        model: {
          preset: 'tiny',
          backbone: 'dinov2',
          options: {
            img_size: 56,
            patch_size: 14,
            embed_dim: 32,
            depth: 1,
            num_heads: 2,
            detector: { dModel: 32, numQueries: 6, numHeads: 4, numPoints: 2, ffnDim: 64, gnGroups: 8, encoderLayers: 1, decoderLayers: 1 },
          },
        },
      },
      [backboneDinoPlugin, decoderPlugin],
      { logger: silentLogger },
    );
    const det = c.get(TOKENS.Detector) as DinoR1Detector;
    expect(det.config).toMatchObject({ dModel: 32, numQueries: 6, numLevels: 4 });
    const b = oneImage();
    // mark the right 14 columns as padding and scribble into them: nothing changes
    const mask = tf.tensor3d([Array.from({ length: 56 }, () => Array.from({ length: 56 }, (_, j) => (j >= 42 ? 1 : 0)))]);
    const scribbled = tf.where(tf.cast(tf.expandDims(mask, -1), 'bool'), tf.fill([1, 56, 56, 3], 7), b.images.pixels);
    const a = det.forward({ ...b.images, mask }, b.prompts, false).predLogits.dataSync();
    const s = det.forward({ ...b.images, pixels: scribbled as tf.Tensor4D, mask }, b.prompts, false).predLogits.dataSync();
    expect([...s]).toEqual([...a]);
  });

  it('replaces one part when a later plugin rebinds its token; the others stay the defaults', async () => {
    const { decoderPlugin, PART_TOKENS, DeformableEncoder, VisualPromptEncoder } = await import('@dino-r1/decoder');
    const { backboneDinoPlugin } = await import('@dino-r1/backbone-dino');
    const { definePlugin, Module } = await import('@dino-r1/core');
    let calls = 0;
    /** An encoder with no layers: the memory passes through unchanged (and is counted). */
    class PassThroughEncoder extends Module {
      forward(mem: { memory: tf.Tensor }): tf.Tensor {
        calls++;
        return tf.clone(mem.memory);
      }
    }
    const mine = definePlugin('test:pass-through-encoder', (b) => {
      b.rebindSync(PART_TOKENS.encoder).toConstantValue(() => new PassThroughEncoder());
    });
    const c = createContainer(
      {
        model: {
          preset: 'tiny',
          backbone: 'dinov2',
          options: {
            img_size: 56,
            patch_size: 14,
            embed_dim: 32,
            depth: 1,
            num_heads: 2,
            detector: { dModel: 32, numQueries: 6, numHeads: 4, numPoints: 2, ffnDim: 64, gnGroups: 8, decoderLayers: 1 },
          },
        },
      },
      [backboneDinoPlugin, decoderPlugin, mine],
      { logger: silentLogger },
    );
    const det = c.get(TOKENS.Detector) as DinoR1Detector;
    expect(det.encoder).toBeInstanceOf(PassThroughEncoder);
    expect(det.encoder).not.toBeInstanceOf(DeformableEncoder);
    expect(det.prompt_encoder).toBeInstanceOf(VisualPromptEncoder);
    expect([...det.stateDictShapes().keys()].some((k) => k.startsWith('encoder.'))).toBe(false);
    const b = oneImage();
    const out = det.forward(b.images, b.prompts, false);
    expect(calls).toBe(1);
    expect(out.predLogits.shape).toEqual([1, 1, 6, 2]);
  });
});
