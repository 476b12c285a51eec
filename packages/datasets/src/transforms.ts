/**
 * Transforms on samples (DESIGN.md §7): resize keeping the aspect ratio, random horizontal flip, random
 * crop, normalise. Each keeps the boxes consistent with the pixels; all randomness comes from the `Random`
 * passed in, so an epoch is reproducible from its seed.
 */
import type { Random } from './random';
import type { Sample } from './sample';

export type Transform = (s: Sample, random: Random) => Sample;

/** Bilinear resampling of HWC float pixels (pixel centres aligned, as `align_corners=False`). */
export function resizeBilinear(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  const out = new Float32Array(nw * nh * 3);
  const sx = w / nw;
  const sy = h / nh;
  for (let y = 0; y < nh; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const ty = fy - y0;
    for (let x = 0; x < nw; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const tx = fx - x0;
      for (let k = 0; k < 3; k++) {
        const a = src[(y0 * w + x0) * 3 + k] * (1 - tx) + src[(y0 * w + x1) * 3 + k] * tx;
        const b = src[(y1 * w + x0) * 3 + k] * (1 - tx) + src[(y1 * w + x1) * 3 + k] * tx;
        out[(y * nw + x) * 3 + k] = a * (1 - ty) + b * ty;
      }
    }
  }
  return out;
}

/** Scales so the longer side is at most `maxSize` (and the shorter at most `shortSide` when given); never upsamples past them. */
export function resizeKeepRatio(maxSize: number, shortSide = Infinity): Transform {
  return (s) => {
    const scale = Math.min(maxSize / Math.max(s.width, s.height), shortSide / Math.min(s.width, s.height));
    const nw = Math.max(1, Math.round(s.width * scale));
    const nh = Math.max(1, Math.round(s.height * scale));
    if (nw === s.width && nh === s.height) return s;
    const fx = nw / s.width;
    const fy = nh / s.height;
    return {
      ...s,
      pixels: resizeBilinear(s.pixels, s.width, s.height, nw, nh),
      width: nw,
      height: nh,
      boxes: s.boxes.map(([x, y, w, h]) => [x * fx, y * fy, w * fx, h * fy] as const),
    };
  };
}

export function randomFlip(probability = 0.5): Transform {
  return (s, random) => {
    if (random.next() >= probability) return s;
    const { width: W, height: H } = s;
    const out = new Float32Array(s.pixels.length);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < 3; k++) out[(y * W + x) * 3 + k] = s.pixels[(y * W + (W - 1 - x)) * 3 + k];
    return { ...s, pixels: out, boxes: s.boxes.map(([x, y, w, h]) => [W - x - w, y, w, h] as const) };
  };
}

/**
 * Crops a random window of at least `minFraction` of each side (with `probability`). Boxes are clipped to
 * the window; a box keeping less than `minVisible` of its area is dropped.
 */
export function randomCrop(minFraction = 0.6, probability = 0.5, minVisible = 0.4): Transform {
  return (s, random) => {
    if (random.next() >= probability) return s;
    const cw = Math.round(s.width * random.uniform(minFraction, 1));
    const ch = Math.round(s.height * random.uniform(minFraction, 1));
    const x0 = random.int(0, s.width - cw);
    const y0 = random.int(0, s.height - ch);
    const out = new Float32Array(cw * ch * 3);
    for (let y = 0; y < ch; y++) out.set(s.pixels.subarray(((y + y0) * s.width + x0) * 3, ((y + y0) * s.width + x0 + cw) * 3), y * cw * 3);
    const boxes: Array<readonly [number, number, number, number]> = [];
    const categoryIds: number[] = [];
    s.boxes.forEach(([x, y, w, h], i) => {
      const nx0 = Math.max(x, x0);
      const ny0 = Math.max(y, y0);
      const nx1 = Math.min(x + w, x0 + cw);
      const ny1 = Math.min(y + h, y0 + ch);
      if (nx1 <= nx0 || ny1 <= ny0 || (nx1 - nx0) * (ny1 - ny0) < minVisible * w * h) return;
      boxes.push([nx0 - x0, ny0 - y0, nx1 - nx0, ny1 - ny0]);
      categoryIds.push(s.categoryIds[i]);
    });
    return { ...s, pixels: out, width: cw, height: ch, boxes, categoryIds };
  };
}

/** ImageNet mean/std on the 0–255 scale, as DINOv2 and DINO use. */
export const IMAGENET_MEAN = [123.675, 116.28, 103.53] as const;
export const IMAGENET_STD = [58.395, 57.12, 57.375] as const;

export function normalise(mean: readonly number[] = IMAGENET_MEAN, std: readonly number[] = IMAGENET_STD): Transform {
  return (s) => {
    const out = new Float32Array(s.pixels.length);
    for (let i = 0; i < out.length; i++) out[i] = (s.pixels[i] - mean[i % 3]) / std[i % 3];
    return { ...s, pixels: out };
  };
}

export function compose(...transforms: Transform[]): Transform {
  return (s, random) => transforms.reduce((acc, t) => t(acc, random), s);
}
