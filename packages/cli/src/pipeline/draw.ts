/**
 * Detection pictures: the image (scaled up for visibility) with boxes and labels drawn as an SVG overlay,
 * composited and encoded by sharp. Pixels come from a `Sample` after normalisation (undone here).
 */
import { IMAGENET_MEAN, IMAGENET_STD, sharp, type Sample } from '@dino-r1/datasets';

export interface DrawnBox {
  /** COCO `[x, y, w, h]` in the sample's pixels. */
  readonly bbox: readonly [number, number, number, number];
  readonly label: string;
  readonly colour: string;
  readonly dashed?: boolean;
}

/** Undoes `normalise` (ImageNet mean/std) to 8-bit RGB. */
export function samplePixels(s: Sample): Uint8Array {
  const out = new Uint8Array(s.width * s.height * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(s.pixels[i] * IMAGENET_STD[i % 3] + IMAGENET_MEAN[i % 3])));
  return out;
}

const escapeXml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function overlay(width: number, height: number, scale: number, boxes: readonly DrawnBox[], title: string): string {
  const parts = boxes.map(({ bbox: [x, y, w, h], label, colour, dashed }) => {
    const [X, Y, W, H] = [x * scale, y * scale, w * scale, h * scale];
    const ty = Y > 14 ? Y - 3 : Y + H + 12;
    return (
      `<rect x="${X}" y="${Y}" width="${W}" height="${H}" fill="none" stroke="${colour}" stroke-width="2"${dashed ? ' stroke-dasharray="6,3"' : ''}/>` +
      `<text x="${X + 1}" y="${ty}" font-family="sans-serif" font-size="11" fill="${colour}" stroke="black" stroke-width="0.6" paint-order="stroke">${escapeXml(label)}</text>`
    );
  });
  const head = title
    ? `<text x="4" y="14" font-family="sans-serif" font-size="12" fill="white" stroke="black" stroke-width="0.8" paint-order="stroke">${escapeXml(title)}</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width * scale}" height="${height * scale}">${parts.join('')}${head}</svg>`;
}

/** One panel (PNG buffer): `pixels` (8-bit RGB) scaled by `scale` with boxes and a title. */
export async function panel(pixels: Uint8Array, width: number, height: number, boxes: readonly DrawnBox[], title = '', scale = 3): Promise<Buffer> {
  const s = sharp();
  return s(Buffer.from(pixels), { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .composite([{ input: Buffer.from(overlay(width, height, scale, boxes, title)), top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** Panels side by side (same height assumed, otherwise top-aligned) into one PNG file. */
export async function sideBySide(panels: readonly Buffer[], file: string, gap = 8): Promise<void> {
  const s = sharp();
  const metas = await Promise.all(panels.map((p) => s(p).metadata()));
  const width = metas.reduce((a, m) => a + (m.width ?? 0), 0) + gap * (panels.length - 1);
  const height = Math.max(...metas.map((m) => m.height ?? 0));
  let left = 0;
  const layers = panels.map((input, i) => {
    const l = { input, top: 0, left };
    left += (metas[i].width ?? 0) + gap;
    return l;
  });
  await s({ create: { width, height, channels: 3, background: { r: 24, g: 24, b: 24 } } })
    .composite(layers)
    .png()
    .toFile(file);
}

/** A categorical colour per index. */
export function colour(i: number): string {
  const palette = ['#ff4d4d', '#4da6ff', '#4dff88', '#ffd24d', '#ff4dff', '#4dffff', '#ff9f40', '#b366ff', '#ffffff', '#40c0a0', '#c0ff40', '#ff99bb'];
  return palette[((i % palette.length) + palette.length) % palette.length];
}
