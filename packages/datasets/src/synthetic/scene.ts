/**
 * One synthetic scene: a noisy gradient background with clutter lines, distractor shapes that belong to no
 * category, and 1–8 category instances at 5–40 % of the image side. Boxes are the tight extent of the
 * pixels actually painted (occlusion by later objects is not subtracted), in COCO `[x, y, w, h]`.
 */
import type { RgbImage } from '@dino-r1/core';
import { Random } from '../random';
import { DISTRACTOR_SHAPES, PATTERN_INK, PATTERNS, SHAPES, type PatternName, type Rgb, type ShapeName, type SyntheticCategory } from './shapes';

export interface SceneOptions {
  readonly width: number;
  readonly height: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  /** Object side as a fraction of the shorter image side. */
  readonly minScale: number;
  readonly maxScale: number;
  readonly maxDistractors: number;
  readonly clutterLines: number;
  /** Per-pixel noise amplitude (0–255 scale). */
  readonly noise: number;
}

export const DEFAULT_SCENE: SceneOptions = {
  width: 128,
  height: 128,
  minInstances: 1,
  maxInstances: 8,
  minScale: 0.05,
  maxScale: 0.4,
  maxDistractors: 3,
  clutterLines: 6,
  noise: 12,
};

export interface SceneObject {
  readonly categoryId: number;
  readonly bbox: [number, number, number, number];
}

/** A shape placed in a scene: what, where, how it is filled (`categoryId` −1 for distractors). */
export interface Placed {
  shape: ShapeName;
  pattern: PatternName;
  colour: Rgb;
  x: number;
  y: number;
  w: number;
  h: number;
  period: number;
  categoryId: number;
}

const clamp = (v: number) => (v < 0 ? 0 : Math.min(v, 255));

function overlap(a: Placed, b: Placed): number {
  const iw = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const ih = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (iw * ih) / Math.min(a.w * a.h, b.w * b.h);
}

/** The pixel centres of `p`'s rectangle that its shape covers, calling `visit(x, y, u, v)` for each. */
function forEachShapePixel(p: Placed, visit: (x: number, y: number, u: number, v: number) => void): void {
  const inside = SHAPES[p.shape];
  for (let y = p.y; y < p.y + p.h; y++) {
    for (let x = p.x; x < p.x + p.w; x++) {
      const u = ((x + 0.5 - p.x) / p.w) * 2 - 1;
      const v = ((y + 0.5 - p.y) / p.h) * 2 - 1;
      if (inside(u, v)) visit(x, y, u, v);
    }
  }
}

/** The tight `[x, y, w, h]` of the pixels a shape paints (null if it paints none). */
function paintedExtent(p: Placed): [number, number, number, number] | null {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  forEachShapePixel(p, (x, y) => {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x + 1);
    y1 = Math.max(y1, y + 1);
  });
  return x1 > x0 ? [x0, y0, x1 - x0, y1 - y0] : null;
}

export interface SceneLayout {
  readonly placed: readonly Placed[];
  readonly background: { a: Rgb; b: Rgb; angle: number; lines: number[][] };
  readonly noiseSeed: number;
  /** The category instances and their painted extents (known without painting the scene). */
  readonly objects: readonly SceneObject[];
}

/** Lays out a scene from `seed` (the layout and its boxes; `renderScene` paints it). */
export function layoutScene(seed: number, categories: readonly SyntheticCategory[], o: SceneOptions): SceneLayout {
  const r = new Random(seed);
  const side = Math.min(o.width, o.height);
  const muted = (): Rgb => {
    const g = r.uniform(50, 190);
    return [clamp(g + r.uniform(-30, 30)), clamp(g + r.uniform(-30, 30)), clamp(g + r.uniform(-30, 30))];
  };
  const background = { a: muted(), b: muted(), angle: r.uniform(0, Math.PI), lines: [] as number[][] };
  for (let i = 0; i < o.clutterLines; i++)
    background.lines.push([r.uniform(0, o.width), r.uniform(0, o.height), r.uniform(0, o.width), r.uniform(0, o.height), ...muted()]);
  const objects: Placed[] = [];
  const place = (size: number, aspect: number, fill: Omit<Placed, 'x' | 'y' | 'w' | 'h'>): void => {
    const w = Math.max(3, Math.round(size * aspect));
    const h = Math.max(3, Math.round(size / aspect));
    for (let attempt = 0; attempt < 30; attempt++) {
      const cand: Placed = { ...fill, x: r.int(0, o.width - w), y: r.int(0, o.height - h), w, h };
      if (objects.every((p) => overlap(p, cand) < 0.25)) {
        objects.push(cand);
        return;
      }
    }
  };
  // distractors first, so category instances are painted over them
  const nd = r.int(0, o.maxDistractors);
  for (let i = 0; i < nd; i++) {
    const shape = r.pick(DISTRACTOR_SHAPES);
    place(side * r.uniform(o.minScale, o.maxScale), r.uniform(0.8, 1.25), {
      shape,
      pattern: r.pick(['solid', 'stripes', 'checker'] as const),
      colour: muted(),
      period: r.int(3, 5),
      categoryId: -1,
    });
  }
  const n = r.int(o.minInstances, o.maxInstances);
  for (let i = 0; i < n; i++) {
    const c = r.pick(categories);
    const jitter = (v: number) => clamp(v + r.uniform(-18, 18));
    place(side * r.uniform(o.minScale, o.maxScale), r.uniform(0.85, 1.18), {
      shape: c.shape,
      pattern: c.pattern,
      colour: [jitter(c.colour[0]), jitter(c.colour[1]), jitter(c.colour[2])],
      period: r.int(3, 5),
      categoryId: c.id,
    });
  }
  const instances = objects
    .filter((p) => p.categoryId > 0)
    .flatMap((p) => {
      const bbox = paintedExtent(p);
      return bbox ? [{ categoryId: p.categoryId, bbox }] : [];
    });
  return { placed: objects, background, noiseSeed: r.int(1, 2 ** 30), objects: instances };
}

/** Paints a laid-out scene. */
export function renderScene(layout: SceneLayout, o: SceneOptions): RgbImage {
  const { width: W, height: H } = o;
  const data = new Uint8Array(W * H * 3);
  const { a, b, angle, lines } = layout.background;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const noise = new Random(layout.noiseSeed);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x / W - 0.5) * ca + (y / H - 0.5) * sa)));
      const n = (noise.next() - 0.5) * 2 * o.noise;
      for (let k = 0; k < 3; k++) data[(y * W + x) * 3 + k] = clamp(a[k] * (1 - t) + b[k] * t + n);
    }
  }
  for (const [x0, y0, x1, y1, r, g, bl] of lines) {
    const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0));
    for (let s = 0; s <= steps; s++) {
      const x = Math.round(x0 + ((x1 - x0) * s) / steps);
      const y = Math.round(y0 + ((y1 - y0) * s) / steps);
      if (x >= 0 && x < W && y >= 0 && y < H) data.set([r, g, bl], (y * W + x) * 3);
    }
  }
  for (const p of layout.placed) {
    const fill = PATTERNS[p.pattern];
    forEachShapePixel(p, (x, y, u, v) => data.set(fill(u, v, p.period) ? p.colour : PATTERN_INK, (y * W + x) * 3));
  }
  return { data, width: W, height: H };
}
