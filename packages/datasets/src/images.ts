/**
 * Image decoding (DESIGN.md §7): files through `sharp` (JPEG, PNG, WebP, …; EXIF orientation applied),
 * generated images through their `render`. A file that cannot be decoded raises `ImageDecodeError`
 * naming it; loaders report such images and skip them.
 */
import type { ImageRecord, RgbImage } from '@dino-r1/core';
import type { Sample } from './sample';

export class ImageDecodeError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`cannot decode image ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ImageDecodeError';
  }
}

type SharpFactory = typeof import('sharp')['default'];
let sharpModule: SharpFactory | undefined;

/** The `sharp` function, loaded on first use (its CommonJS export, with or without `default`). */
export function sharp(): SharpFactory {
  // loaded on first use: synthetic-only runs never need the native module
  if (!sharpModule) {
    const mod = require('sharp') as { default?: SharpFactory };
    sharpModule = (mod.default ?? mod) as SharpFactory;
  }
  return sharpModule;
}

/** Decodes an image file to 8-bit RGB; `maxSize` (longer side) lets sharp downscale while decoding. */
export async function decodeImageFile(file: string, maxSize?: number): Promise<RgbImage> {
  try {
    let pipeline = sharp()(file, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb');
    if (maxSize) pipeline = pipeline.resize({ width: maxSize, height: maxSize, fit: 'inside', withoutEnlargement: true, kernel: 'linear' });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (e) {
    throw new ImageDecodeError(file, e);
  }
}

/** Encodes 8-bit RGB pixels as a PNG file (used for visualisations). */
export async function encodePng(image: RgbImage, file: string): Promise<void> {
  await sharp()(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toFile(file);
}

/** A decoded image with its record's annotations as a `Sample` (boxes scaled if the image was decoded downscaled). */
export function toSample(image: RgbImage, record: ImageRecord): Sample {
  const fx = image.width / record.width;
  const fy = image.height / record.height;
  const anns = record.annotations.filter((a) => !a.iscrowd);
  return {
    imageId: record.id,
    pixels: Float32Array.from(image.data),
    width: image.width,
    height: image.height,
    boxes: anns.map((a) => [a.bbox[0] * fx, a.bbox[1] * fy, a.bbox[2] * fx, a.bbox[3] * fy] as const),
    categoryIds: anns.map((a) => a.categoryId),
    originalSize: [record.height, record.width],
  };
}

/**
 * Loads a record as a `Sample` (pixels 0–255 as float). With `maxSize`, file images are decoded already
 * downscaled and the boxes scaled to match.
 */
export async function loadSample(record: ImageRecord, maxSize?: number): Promise<Sample> {
  let image: RgbImage;
  if (record.render) image = record.render();
  else if (record.file) image = await decodeImageFile(record.file, maxSize);
  else throw new Error(`image ${record.id} has neither a file nor a render function`);
  return toSample(image, record);
}
