/**
 * DINO-R1 detector timings on the wasm backend, with the split the detector issue asks for:
 * - one `tiny` training step (batch 2, 128², synthetic data, SFT+GRQO): backbone / neck+encoder /
 *   prompt encoder+selection+decoder+heads / losses / KL-anchor forward + clipping + AdamW, measured as
 *   differences of cumulative prefixes (each prefix is run forward + backward to a scalar);
 * - one `paper` forward on a 512×512 image (ViT-S/14 at 504², the nearest multiple of 14):
 *   backbone / neck+encoder / the rest.
 *   node dist-bench/bench/detector-step.js (part of `npm run bench`)
 */
import { initBackend, medianSeconds, silentLogger, tf, type Module } from '@dino-r1/core';
import { DINOV2_PRESETS, DinoV2Backbone } from '@dino-r1/backbone-dino';
import { BatchLoader, disposeBatch, syntheticDataset, normalise, type Batch } from '@dino-r1/datasets';
import { DETECTOR_PRESETS, DinoR1Detector, flattenLevels } from '@dino-r1/decoder';
import { grqoLoss, sftLoss, Trainer, trainerComponents, type DetectorBatch } from '@dino-r1/grqo';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { parseConfig } from '@dino-r1/core';
import { buildModel } from '../src/pipeline/model';
import { RUN_PRESETS } from '../src/pipeline/presets';

function sumAll(ts: Tensor[]): Scalar {
  return tf.addN(ts.map((t) => tf.sum(t))) as Scalar;
}

function encodeStages(det: DinoR1Detector, b: Batch, upTo: 'backbone' | 'encoder'): Tensor[] {
  const { levels } = det.backbone.forward(b.images, true);
  if (upTo === 'backbone') return levels;
  const maps = det.neck.forward(levels);
  const mem = flattenLevels(maps, b.images.mask, det.level_embed, { numFeats: det.config.dModel / 2, offset: 0, temperature: 20 });
  return [det.encoder.forward(mem)];
}

function timeGrad(f: () => Scalar, vars: Variable[], reps: number): number {
  return medianSeconds(
    () => {
      const { value, grads } = tf.variableGrads(f, vars);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    },
    reps,
    1,
  );
}

async function tinyStep(reps: number): Promise<Record<string, number | string>> {
  const preset = RUN_PRESETS.demo;
  const config = parseConfig({ ...preset, train: { ...preset.train, batchSize: 2 } });
  const model = buildModel(config, silentLogger);
  if (!(model.detector instanceof DinoR1Detector)) throw new Error('this benchmark times the built-in DinoR1Detector');
  const det = model.detector;
  const loader = new BatchLoader(syntheticDataset({ split: 'train', images: 2, width: 128, height: 128 }), {
    batchSize: 2,
    transform: normalise(),
    padMultiple: model.padMultiple,
    shuffle: false,
  });
  const batch = (await loader.epoch(0).next()).value as Batch;
  const vars = (m: Module) => [...m.namedParameters()].map(([, v]) => v).filter((v) => v.trainable);
  const all = vars(det);
  const backbone = timeGrad(() => sumAll(encodeStages(det, batch, 'backbone')), vars(det.backbone), reps);
  const encoder = timeGrad(
    () => sumAll(encodeStages(det, batch, 'encoder')),
    [...vars(det.backbone), ...vars(det.neck), ...vars(det.encoder), det.level_embed],
    reps,
  );
  const forward = (): { o: ReturnType<DinoR1Detector['forward']> } => ({ o: det.forward(batch.images, batch.prompts, true, batch.gts) });
  const detector = timeGrad(
    () => {
      const { o } = forward();
      return sumAll([
        o.predLogits,
        o.predBoxes,
        o.proposalLogits,
        o.proposalBoxes,
        o.selectionLogits,
        ...(o.denoising ? [o.denoising.predLogits, o.denoising.predBoxes] : []),
      ]);
    },
    all,
    reps,
  );
  const parts = trainerComponents(model.container);
  const losses = timeGrad(
    () => {
      const { o } = forward();
      const sft = sftLoss({ ...o, gts: batch.gts }, { matchRewards: parts.matchRewards }).loss;
      const grqo = grqoLoss(
        { selLogits: o.selectionLogits, refSelLogits: tf.mul(o.selectionLogits, 0.9), predLogits: o.predLogits, predBoxes: o.predBoxes, gts: batch.gts },
        config.grqo,
        { rewards: parts.rewards },
      ).loss;
      return tf.add(sft, grqo) as Scalar;
    },
    all,
    reps,
  );
  const trainer = new Trainer<DetectorBatch>({ config, model: model.policy, ...parts });
  const step = medianSeconds(() => void trainer.trainStep([batch]), reps, 1);
  disposeBatch(batch);
  return {
    'backbone s': +backbone.toFixed(3),
    'neck+encoder s': +(encoder - backbone).toFixed(3),
    'prompt enc+selection+decoder+heads s': +(detector - encoder).toFixed(3),
    'losses (SFT+GRQO) s': +(losses - detector).toFixed(3),
    'anchor fwd+clip+AdamW s': +(step - losses).toFixed(3),
    'training step s': +step.toFixed(3),
    'images/s': +(2 / step).toFixed(2),
  };
}

function paperForward(): Record<string, number | string> {
  const det = new DinoR1Detector(new DinoV2Backbone(DINOV2_PRESETS.vits14), DETECTOR_PRESETS.paper);
  const size = 504;
  const images = {
    pixels: tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
    mask: tf.zeros([1, size, size]) as tf.Tensor3D,
    sizes: [[size, size] as [number, number]],
  };
  const prompts = {
    boxes: tf.tensor3d([
      [
        [0.3, 0.3, 0.2, 0.2],
        [0.6, 0.5, 0.3, 0.2],
        [0.5, 0.7, 0.1, 0.1],
        [0.2, 0.8, 0.2, 0.1],
      ],
    ]),
    sourceImage: tf.zeros([1, 4], 'int32') as tf.Tensor2D,
    mask: tf.zeros([1, 4]) as tf.Tensor2D,
    categoryIds: [[1, 2, 3, 4]],
  };
  const b = { images, prompts, gts: [] } as unknown as Batch;
  const t = (f: () => Tensor[]) => medianSeconds(() => tf.tidy(() => void f().forEach((x) => x.dataSync())), 1, 0);
  const backbone = t(() => encodeStages(det, b, 'backbone'));
  const encoder = t(() => encodeStages(det, b, 'encoder'));
  const total = t(() => {
    const o = det.forward(images, prompts, false);
    return [o.predLogits, o.predBoxes];
  });
  const params = { backbone: det.backbone.parameterCount(), all: det.parameterCount() };
  det.dispose();
  return {
    'backbone s': +backbone.toFixed(2),
    'neck+encoder s': +(encoder - backbone).toFixed(2),
    'rest s': +(total - encoder).toFixed(2),
    'forward s': +total.toFixed(2),
    'params M': +(params.all / 1e6).toFixed(1),
  };
}

async function main(): Promise<void> {
  await initBackend('wasm', { logger: silentLogger });
  console.log(`\nDINO-R1 tiny training step (batch 2, 128×128, ${DETECTOR_PRESETS.tiny.dModel}-d, SFT+GRQO), wasm, median of 9`);
  console.table([await tinyStep(9)]);
  console.log('\nDINO-R1 paper forward (ViT-S/14, one 504×504 image, 4 prompts), wasm');
  console.table([paperForward()]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
