/**
 * `dino-r1 features --weights W.safetensors [--config CFG.json] --input IN --out OUT.safetensors [--layers 0,1]`
 * — DINOv2 feature extraction. The architecture comes from CFG.json (official constructor argument names),
 * else from the weights' `__metadata__`, over what the weight shapes tell. IN is a safetensors file with an
 * `image` tensor [B,3,H,W] (already normalised) or comma-separated image files (decoded with sharp, resized to
 * a multiple of the patch size, normalised with the ImageNet mean/std). OUT holds `x_norm_clstoken`,
 * `x_norm_patchtokens`, `x_norm_regtokens` (if any) and `intermediate.K` [B,D,h,w] per requested block.
 */
import { sharp as loadSharp } from '@dino-r1/datasets';
import { parseArgs } from 'node:util';
import { backendPreference, initBackend, readSafetensors, tensorsToEntries, tf, writeSafetensors } from '@dino-r1/core';
import { dinov2Config, DinoVisionTransformer, inferDinov2Config, readDinov2Checkpoint } from '@dino-r1/backbone-dino';
import type { Tensor } from '@tensorflow/tfjs-core';
import { readJsonFile } from '@dino-r1/evaluators';

export const FEATURES_USAGE = `usage: dino-r1 features --weights W.safetensors [--config CFG.json] --input IN --out OUT.safetensors [--layers 0,1] [--backend NAME]
  IN: a safetensors file with 'image' [B,3,H,W] (normalised), or image files separated by commas
`;

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

async function decodeImages(files: string[], patch: number): Promise<Tensor> {
  const sharp = loadSharp(); // loaded on demand: only image inputs need the native module
  const images: Float32Array[] = [];
  let size: [number, number] | null = null;
  for (const file of files) {
    const meta = await sharp(file)
      .metadata()
      .catch((e: Error) => {
        throw new Error(`${file}: cannot decode image: ${e.message}`);
      });
    const h = Math.max(patch, Math.round((meta.height ?? 0) / patch) * patch);
    const w = Math.max(patch, Math.round((meta.width ?? 0) / patch) * patch);
    if (size && (size[0] !== h || size[1] !== w))
      throw new Error(`${file}: resized to ${h}×${w}, but ${files[0]} gave ${size[0]}×${size[1]}; give images of one size`);
    size = [h, w];
    const { data } = await sharp(file)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(w, h, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const out = new Float32Array(h * w * 3);
    for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = (data[i * 3 + c] / 255 - MEAN[c]) / STD[c];
    images.push(out);
  }
  const [h, w] = size!;
  return tf.tensor4d(Float32Array.from(images.flatMap((a) => Array.from(a))), [images.length, h, w, 3]);
}

export async function featuresCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      weights: { type: 'string' },
      config: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      layers: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(FEATURES_USAGE);
    return 0;
  }
  for (const k of ['weights', 'input', 'out'] as const) if (!values[k]) throw new Error(`--${k} is required\n\n${FEATURES_USAGE}`);
  await initBackend(backendPreference(values.backend));

  // architecture: shapes, then the weights' metadata, then CFG.json
  const ckpt = readDinov2Checkpoint(values.weights!);
  let model: DinoVisionTransformer;
  let config: ReturnType<typeof dinov2Config>;
  try {
    const inferred = inferDinov2Config(new Map([...ckpt.state].map(([k, t]) => [k, t.shape])));
    const fromMeta = 'num_heads' in ckpt.metadata ? ckpt.metadata : {};
    const fromFile = values.config ? (readJsonFile(values.config) as Record<string, unknown>) : {};
    if (!('num_heads' in fromMeta) && !('num_heads' in fromFile)) {
      throw new Error(
        `${values.weights}: the number of heads cannot be inferred from the weights; give --config with num_heads (and interpolate_antialias, interpolate_offset)`,
      );
    }
    config = dinov2Config({ ...inferred, ...fromMeta, ...fromFile }, values.config ?? values.weights);
    model = new DinoVisionTransformer(config);
    model.loadStateDict(ckpt.state, { source: values.weights });
  } finally {
    ckpt.dispose();
  }

  const input = values.input!;
  const image = input.endsWith('.safetensors')
    ? (() => {
        const { tensors: t } = readSafetensors(input);
        const img = t.get('image');
        if (!img) throw new Error(`${input}: no 'image' tensor [B,3,H,W]`);
        if (img.shape.length !== 4 || img.shape[1] !== 3) throw new Error(`${input}: 'image' must be [B,3,H,W], got [${img.shape}]`);
        return tf.transpose(tf.tensor(img.data as Float32Array, [...img.shape]), [0, 2, 3, 1]);
      })()
    : await decodeImages(input.split(','), config.patch_size);

  const layers = values.layers ? values.layers.split(',').map((s) => Number(s)) : [];
  if (layers.some((k) => !Number.isInteger(k) || k < 0 || k >= config.depth))
    throw new Error(`--layers: block indices must be in 0..${config.depth - 1} (got ${values.layers})`);
  const f = model.forwardFeatures(image);
  const out = new Map<string, Tensor>([
    ['x_norm_clstoken', f.clsToken],
    ['x_norm_patchtokens', f.patchTokens],
  ]);
  if (config.num_register_tokens > 0) out.set('x_norm_regtokens', f.regTokens);
  model.getIntermediateLayers(image, layers).forEach((t, i) => out.set(`intermediate.${layers[i]}`, tf.transpose(t, [0, 3, 1, 2])));
  writeSafetensors(values.out!, tensorsToEntries(out), { config: JSON.stringify(config), grid: JSON.stringify(f.grid) });
  process.stderr.write(`features: ${[...out].map(([k, t]) => `${k} [${t.shape}]`).join(', ')} → ${values.out}\n`);
  return 0;
}
