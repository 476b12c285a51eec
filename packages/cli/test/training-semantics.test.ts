/**
 * Training settings on the real detector and the real loader (issue 12): the backbone's learning-rate
 * multiplier, KL = 0 right after every snapshot with stochastic depth on (per data epoch and every N
 * steps), `selectionLogitsAt` against `forward`, and negative prompts entering the detector as finished
 * embeddings.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, loadTensors, silentLogger, tf, type DinoR1Config } from '@dino-r1/core';
import { BatchLoader, normalise, syntheticDataset, type Batch } from '@dino-r1/datasets';
import { buildModel } from '../src/pipeline/model';
import { trainRun } from '../src/pipeline/run';
import { micro } from './micro';

const tmp = () => mkdtempSync(join(tmpdir(), 'dino-r1-semantics-'));

async function run(config: DinoR1Config): Promise<string> {
  const dir = join(tmp(), 'run');
  await trainRun({ config, outDir: dir, quiet: true, plots: false });
  return dir;
}

function metrics(dir: string): Array<Record<string, number>> {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => 'loss' in r);
}

/** The policy's initial weights of `config` (seeded), as PyTorch-layout arrays by name. */
function initialWeights(config: DinoR1Config): Map<string, Float32Array> {
  const model = buildModel(config, silentLogger);
  const state = model.policy.stateDict();
  const out = new Map([...state].map(([k, t]) => [k, t.dataSync() as Float32Array]));
  tf.dispose([...state.values()]);
  model.policy.dispose();
  return out;
}

function checkpoint(dir: string, step: number): Map<string, Float32Array> {
  const { tensors } = loadTensors(join(dir, `checkpoint-${step}.safetensors`));
  const out = new Map([...tensors].map(([k, t]) => [k, t.dataSync() as Float32Array]));
  tf.dispose([...tensors.values()]);
  return out;
}

/** Mean |after − before| over the parameters whose name passes `keep`. */
function movement(before: Map<string, Float32Array>, after: Map<string, Float32Array>, keep: (name: string) => boolean): number {
  let sum = 0;
  let n = 0;
  for (const [name, a] of before) {
    if (!keep(name)) continue;
    const b = after.get(name)!;
    for (let i = 0; i < a.length; i++) sum += Math.abs(b[i] - a[i]);
    n += a.length;
  }
  return sum / n;
}

const isBackbone = (n: string) => n.startsWith('detector.backbone.');

/** The micro config's model (seeded weights) and one batch of 2 synthetic images of split `split`. */
async function microModelAndBatch(split: string) {
  const model = buildModel(micro(), silentLogger);
  const loader = new BatchLoader(syntheticDataset({ split, images: 2, width: 64, height: 64 }), {
    batchSize: 2,
    transform: normalise(),
    padMultiple: model.padMultiple,
    shuffle: false,
  });
  const b = (await loader.epoch(0).next()).value as Batch;
  return { model, b };
}

describe('training semantics on the real detector', () => {
  beforeAll(() => initBackend('auto', { logger: silentLogger }));

  it('optim.backboneLrMultiplier: 0 leaves the backbone bit-identical while the rest moves; 0.1 moves it ~10× less than 1', async () => {
    const moved: Record<string, { backbone: number; rest: number }> = {};
    for (const mult of [0, 0.1, 1]) {
      const config = micro({ optim: { backboneLrMultiplier: mult, clipNorm: 0 }, train: { steps: 5 } });
      const dir = await run(config);
      const before = initialWeights(config);
      const after = checkpoint(dir, 5);
      if (mult === 0) {
        const changed = [...before].filter(
          ([n, a]) =>
            isBackbone(n) &&
            !Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(after.get(n)!.buffer, after.get(n)!.byteOffset, after.get(n)!.byteLength)),
        );
        expect(changed.map(([n]) => n)).toEqual([]);
      }
      moved[mult] = { backbone: movement(before, after, isBackbone), rest: movement(before, after, (n) => !isBackbone(n)) };
    }
    expect(moved[0].backbone).toBe(0);
    expect(moved[0].rest).toBeGreaterThan(0);
    const ratio = moved[0.1].backbone / moved[1].backbone;
    process.stderr.write(
      `backbone movement after 5 steps: ×0.1 → ${moved[0.1].backbone.toExponential(3)}, ×1 → ${moved[1].backbone.toExponential(3)} (ratio ${ratio.toFixed(3)})\n`,
    );
    expect(ratio).toBeGreaterThan(0.05);
    expect(ratio).toBeLessThan(0.2);
  }, 120000);

  it('epoch-snapshot: KL = 0 (≤ 1e-6) on the first step of every data epoch of the loader, with stochastic depth on', async () => {
    // 6 images, 2 per batch: a data epoch is 3 steps; snapshots before steps 0, 3, 6
    const config = micro({ data: { train: { options: { images: 6 } } }, train: { steps: 7 } });
    expect(config.model.options.drop_path_rate).toBeGreaterThan(0);
    const kl = metrics(await run(config)).map((r) => r.kl);
    expect(kl).toHaveLength(7);
    for (const i of [0, 3, 6]) expect(Math.abs(kl[i])).toBeLessThanOrEqual(1e-6);
    for (const i of [1, 2, 4, 5]) expect(kl[i]).toBeGreaterThan(1e-6);
  }, 120000);

  it('epoch-snapshot with every: 2 refreshes every 2 steps whatever the data epoch', async () => {
    const config = micro({
      data: { train: { options: { images: 6 } } },
      train: { steps: 6 },
      grqo: { klAnchor: { name: 'epoch-snapshot', options: { every: 2 } } },
    });
    const kl = metrics(await run(config)).map((r) => r.kl);
    for (const i of [0, 2, 4]) expect(Math.abs(kl[i])).toBeLessThanOrEqual(1e-6);
    for (const i of [1, 3, 5]) expect(kl[i]).toBeGreaterThan(1e-6); // step 3 opens a data epoch: no snapshot there
  }, 120000);

  it('selectionLogitsAt equals the selection logits of forward, in inference and (same seed) in training mode', async () => {
    const { model, b } = await microModelAndBatch('sel');
    const det = model.detector;
    for (const training of [false, true]) {
      det.reseedNoise(7);
      const out = det.forward(b.images, b.prompts, training, training ? b.gts : undefined);
      det.reseedNoise(7);
      const at = det.selectionLogitsAt(b.images, b.prompts, out.selectedIndices, training);
      expect(Array.from(at.dataSync())).toEqual(Array.from(out.selectionLogits.dataSync()));
      if (training) {
        // a different seed draws other stochastic-depth masks: the logits differ
        det.reseedNoise(8);
        const other = det.selectionLogitsAt(b.images, b.prompts, out.selectedIndices, true);
        expect(Array.from(other.dataSync())).not.toEqual(Array.from(out.selectionLogits.dataSync()));
      }
    }
    model.policy.dispose();
  }, 60000);

  it('negative prompts are finished embeddings after the box prompts: the same as giving every embedding', async () => {
    const { model, b } = await microModelAndBatch('neg');
    const det = model.detector;
    const [B, K] = b.prompts.mask.shape;
    const negatives = tf.randomNormal([3, 32], 0, 1, 'float32', 3) as tf.Tensor2D;
    const own = det.promptEmbeddings(b.images, b.prompts);
    const all = tf.concat([own, tf.broadcastTo(tf.expandDims(negatives, 0), [B, 3, 32])], 1) as tf.Tensor3D;
    const prompts = {
      boxes: tf.concat([b.prompts.boxes, tf.fill([B, 3, 4], 0.5)], 1) as tf.Tensor3D,
      sourceImage: tf.concat([b.prompts.sourceImage, tf.zeros([B, 3], 'int32')], 1) as tf.Tensor2D,
      mask: tf.zeros([B, K + 3]) as tf.Tensor2D,
      categoryIds: b.prompts.categoryIds.map((r) => [...r, 101, 102, 103]),
    };
    const withNegatives = det.forward(b.images, { ...prompts, negatives }, false);
    const given = det.forward(b.images, { ...prompts, embeddings: all }, false);
    expect(withNegatives.predLogits.shape).toEqual([2, B, 20, K + 3]);
    const d = tf.max(tf.abs(tf.sub(withNegatives.predLogits, given.predLogits))).dataSync()[0];
    expect(d).toBeLessThan(1e-5);
    model.policy.dispose();
  }, 60000);
});
