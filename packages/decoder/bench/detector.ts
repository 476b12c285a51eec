/**
 * DINO-R1 detector forward timings on the wasm backend — `paper` on one 504×504 image (the nearest
 * multiple of the patch size to 512) and `tiny` on a batch of two 224×224 images — split into backbone and
 * transformer (neck, encoder, prompt encoder, selection, decoder, heads); and parameter counts.
 * The training step of `tiny` and the stage split of `paper` are in `packages/cli/bench/detector-step.ts`.
 *   node dist-bench/bench/detector.js (part of `npm run bench -w @dino-r1/decoder`)
 */
import { initBackend, medianSeconds, silentLogger, tf, type ImageBatch, type PromptBatch } from '@dino-r1/core';
import { DINOV2_PRESETS, DinoV2Backbone } from '@dino-r1/backbone-dino';
import type { Tensor } from '@tensorflow/tfjs-core';
import { DETECTOR_PRESETS, DinoR1Detector } from '../src';

function inputs(B: number, size: number, K: number): { images: ImageBatch; prompts: PromptBatch } {
  return {
    images: {
      pixels: tf.randomNormal([B, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
      mask: tf.zeros([B, size, size]) as tf.Tensor3D,
      sizes: Array.from({ length: B }, () => [size, size] as [number, number]),
    },
    prompts: {
      boxes: tf.tensor3d(Array.from({ length: B }, () => Array.from({ length: K }, (_, k) => [0.2 + 0.1 * k, 0.3, 0.2, 0.2]))),
      sourceImage: tf.tensor2d(
        Array.from({ length: B }, (_, b) => Array.from({ length: K }, () => b)),
        [B, K],
        'int32',
      ),
      mask: tf.zeros([B, K]) as tf.Tensor2D,
      categoryIds: Array.from({ length: B }, () => Array.from({ length: K }, (_, k) => k)),
    },
  };
}

/** Times the stages by running the detector's own pieces in order. */
function stages(det: DinoR1Detector, images: ImageBatch, prompts: PromptBatch, reps: number): Record<string, number> {
  const t = (f: () => Tensor | Tensor[] | undefined) =>
    medianSeconds(
      () => {
        const out = f();
        if (out) tf.dispose(out as Tensor[]);
      },
      reps,
      1,
    );
  const backbone = t(() => det.backbone.forward(images, false).levels);
  const total = t(() => {
    const o = det.forward(images, prompts, false);
    return [o.predLogits, o.predBoxes, o.proposalLogits, o.proposalBoxes, o.selectedIndices, o.selectionLogits];
  });
  return { backbone, total };
}

async function main(): Promise<void> {
  await initBackend('wasm', { logger: silentLogger });
  // paper forward, 512×512, ViT-S/14 backbone
  const paper = new DinoR1Detector(new DinoV2Backbone(DINOV2_PRESETS.vits14), DETECTOR_PRESETS.paper);
  const p = inputs(1, 504, 4);
  const ps = stages(paper, p.images, p.prompts, 1);
  const rows: Array<Record<string, string | number>> = [
    {
      model: 'paper (ViT-S/14, d=256, 6+6 layers, 900 queries)',
      input: '1×504×504',
      'backbone s': +ps.backbone.toFixed(2),
      'transformer s': +(ps.total - ps.backbone).toFixed(2),
      'forward s': +ps.total.toFixed(2),
    },
  ];
  const tiny = new DinoR1Detector(new DinoV2Backbone({ img_size: 224, patch_size: 14, embed_dim: 192, depth: 4, num_heads: 3 }), DETECTOR_PRESETS.tiny);
  const ti = inputs(2, 224, 4);
  const ts = stages(tiny, ti.images, ti.prompts, 3);
  rows.push({
    model: 'tiny preset on a ViT 192×4',
    input: '2×224×224',
    'backbone s': +ts.backbone.toFixed(2),
    'transformer s': +(ts.total - ts.backbone).toFixed(2),
    'forward s': +ts.total.toFixed(2),
  });
  console.log('\nDINO-R1 detector forward (wasm)');
  console.table(rows);
  const count = (m: DinoR1Detector) => ({
    backbone: m.backbone.parameterCount(),
    rest: m.parameterCount() - m.backbone.parameterCount(),
  });
  const pc = count(paper);
  const pb = new DinoR1Detector(new DinoV2Backbone(DINOV2_PRESETS.vitb14), DETECTOR_PRESETS.paper);
  const pbc = count(pb);
  console.table([
    {
      model: 'paper, ViT-S/14',
      'backbone M': +(pc.backbone / 1e6).toFixed(1),
      'transformer + heads M': +(pc.rest / 1e6).toFixed(1),
      'total M': +((pc.backbone + pc.rest) / 1e6).toFixed(1),
    },
    {
      model: 'paper, ViT-B/14',
      'backbone M': +(pbc.backbone / 1e6).toFixed(1),
      'transformer + heads M': +(pbc.rest / 1e6).toFixed(1),
      'total M': +((pbc.backbone + pbc.rest) / 1e6).toFixed(1),
    },
  ]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
