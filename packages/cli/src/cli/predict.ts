/**
 * `dino-r1 predict`: detections of one visual prompt on one image — a box `x,y,w,h` (pixels) on the image
 * itself or on `--prompt-image` — as JSON and as a PNG with the prompt and the boxes drawn.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stderrLogger } from '@dino-r1/core';
import { evalTransform } from '../pipeline/data';
import { colour, panel, samplePixels, sideBySide } from '../pipeline/draw';
import { openRun } from '../pipeline/model';
import { predictWithPrompt } from '../pipeline/pictures';
import { decodeImageFile, Random, sharp, toSample } from '@dino-r1/datasets';
import { MODEL_OPTIONS, MODEL_OPTIONS_USAGE, number, pluginsOf, required, UsageError } from './args';

export const PREDICT_USAGE = `usage: dino-r1 predict --checkpoint DIR --image FILE --prompt x,y,w,h [--prompt-image FILE]
                       [--threshold 0.3] [--top 20] [--out PREFIX] [--plugin FILE]... [--backend NAME]

Finds the objects that look like the prompt box (pixels x,y,w,h on --prompt-image, default on --image).
Writes PREFIX.json (COCO-style detections in --image pixels) and PREFIX.png (prompt left, detections
right). PREFIX defaults to the image file name without extension plus '.pred'.

  --threshold S     keep detections with score ≥ S, in [0, 1] (default 0.3)
  --top K           at most K detections (an integer ≥ 1, default 20)
${MODEL_OPTIONS_USAGE}`;

/** The image file as a sample, decoded by sharp already downscaled to `maxSize`; its original size from the header. */
async function sampleOfFile(file: string, maxSize: number) {
  const meta = await sharp()(file)
    .metadata()
    .catch((e: Error) => {
      throw new UsageError(`cannot read image ${file}: ${e.message}`);
    });
  const rotated = (meta.orientation ?? 1) >= 5; // EXIF orientations 5–8 swap width and height
  const [width, height] = rotated ? [meta.height!, meta.width!] : [meta.width!, meta.height!];
  return toSample(await decodeImageFile(file, maxSize), { id: 1, width, height, file, annotations: [] });
}

export async function predictCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: 'string' },
      image: { type: 'string' },
      prompt: { type: 'string' },
      'prompt-image': { type: 'string' },
      threshold: { type: 'string', default: '0.3' },
      top: { type: 'string', default: '20' },
      out: { type: 'string' },
      ...MODEL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(PREDICT_USAGE);
    return 0;
  }
  const dir = required(values, 'checkpoint', PREDICT_USAGE);
  const imageFile = required(values, 'image', PREDICT_USAGE);
  const box = required(values, 'prompt', PREDICT_USAGE).split(',').map(Number);
  if (box.length !== 4 || box.some((v) => !Number.isFinite(v)) || box[2] <= 0 || box[3] <= 0)
    throw new UsageError(`--prompt must be x,y,w,h in pixels with w,h > 0, got '${values.prompt}'`);
  const threshold = number(values.threshold, 'threshold', { min: 0, max: 1 })!;
  const top = number(values.top, 'top', { min: 1, integer: true })!;
  const { config, model } = await openRun(dir, stderrLogger, { plugins: await pluginsOf(values), backend: values.backend });
  const t = evalTransform(config);
  const random = new Random(0);
  const target = t(await sampleOfFile(imageFile, config.data.maxSize), random);
  const promptFile = values['prompt-image'];
  const promptRaw = promptFile ? await sampleOfFile(promptFile, config.data.maxSize) : null;
  const prompt = promptRaw ? t(promptRaw, random) : null;
  const src = prompt ?? target;
  const [ow, oh] = promptFile ? [promptRaw!.originalSize[1], promptRaw!.originalSize[0]] : [target.originalSize[1], target.originalSize[0]];
  if (box[0] < 0 || box[1] < 0 || box[0] + box[2] > ow + 1 || box[1] + box[3] > oh + 1)
    throw new UsageError(`--prompt ${box.join(',')} lies outside the ${ow}×${oh} prompt image`);
  const fx = src.width / ow;
  const fy = src.height / oh;
  const promptBox = [box[0] * fx, box[1] * fy, box[2] * fx, box[3] * fy] as const;
  const dets = predictWithPrompt(model.detector, target, prompt, promptBox, model.padMultiple, top).filter((d) => d.score >= threshold);
  const gx = target.originalSize[1] / target.width;
  const gy = target.originalSize[0] / target.height;
  const inImage = dets.map((d) => ({
    bbox: [d.bbox[0] * gx, d.bbox[1] * gy, d.bbox[2] * gx, d.bbox[3] * gy].map((v) => +v.toFixed(2)),
    score: +d.score.toFixed(4),
  }));
  const prefix = values.out ?? `${imageFile.replace(/\.[^./]+$/, '')}.pred`;
  writeFileSync(
    `${prefix}.json`,
    `${JSON.stringify({ image: imageFile, prompt: { image: promptFile ?? imageFile, bbox: box }, detections: inImage }, null, 2)}\n`,
  );
  const left = await panel(samplePixels(src), src.width, src.height, [{ bbox: promptBox, label: 'prompt', colour: '#ffff00' }], 'prompt');
  const right = await panel(
    samplePixels(target),
    target.width,
    target.height,
    dets.map((d) => ({ bbox: d.bbox as [number, number, number, number], label: d.score.toFixed(2), colour: colour(0) })),
    `${dets.length} detections ≥ ${values.threshold}`,
  );
  await sideBySide([left, right], `${prefix}.png`);
  process.stdout.write(`${dets.length} detections → ${prefix}.json, ${prefix}.png\n`);
  return 0;
}
