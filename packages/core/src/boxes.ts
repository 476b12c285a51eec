/**
 * Box conversions and pairwise IoU / generalised IoU, for tfjs tensors (differentiable) and for plain
 * arrays (host-side code: matching, evaluation, data). Boxes are `cxcywh` or `xyxy` as named.
 *
 * Pairwise tensor ops never call `minimum`/`maximum` on broadcasting inputs (tfjs returns wrongly shaped
 * gradients for those) nor tile to the full `[..., N, M, 4]` shape (slow): see `minOf`/`maxOf`.
 */
import { tf } from './backend/tf';
import type { Tensor } from '@tensorflow/tfjs-core';

// ---------------------------------------------------------------- tensors

/** `[..., 4]` cxcywh → xyxy. */
export function cxcywhToXyxy(b: Tensor): Tensor {
  return tf.tidy(() => {
    const [cx, cy, w, h] = coordinates(b);
    const hw = tf.mul(w, 0.5);
    const hh = tf.mul(h, 0.5);
    return tf.stack([tf.sub(cx, hw), tf.sub(cy, hh), tf.add(cx, hw), tf.add(cy, hh)], -1);
  });
}

/** `[..., 4]` xyxy → cxcywh. */
export function xyxyToCxcywh(b: Tensor): Tensor {
  return tf.tidy(() => {
    const [x0, y0, x1, y1] = coordinates(b);
    return tf.stack([tf.mul(tf.add(x0, x1), 0.5), tf.mul(tf.add(y0, y1), 0.5), tf.sub(x1, x0), tf.sub(y1, y0)], -1);
  });
}

/** `[..., 4]` xyxy → `[...]` area. */
export function boxArea(b: Tensor): Tensor {
  return tf.tidy(() => {
    const [x0, y0, x1, y1] = coordinates(b);
    return tf.mul(tf.sub(x1, x0), tf.sub(y1, y0));
  });
}

/**
 * The four coordinates of `[..., 4]` boxes as four `[...]` tensors. The coordinate axis is moved to the
 * front first: unstacking the last axis directly is very slow on the wasm backend.
 */
function coordinates(b: Tensor): Tensor[] {
  const perm = [b.rank - 1, ...b.shape.slice(0, -1).map((_, i) => i)];
  return tf.unstack(tf.transpose(b, perm), 0);
}

// min/max written with relu and broadcasting sub/add: tfjs's own `minimum`/`maximum` return wrongly
// shaped gradients when their inputs broadcast, and tiling to avoid that is slow.
const minOf = (a: Tensor, b: Tensor) => tf.sub(a, tf.relu(tf.sub(a, b)));
const maxOf = (a: Tensor, b: Tensor) => tf.add(b, tf.relu(tf.sub(a, b)));

interface PairGeometry {
  inter: Tensor;
  union: Tensor;
  enclosing: Tensor;
}

/** Intersection, union and enclosing area of boxes given by broadcast-compatible coordinates. */
function geometryOf([ax0, ay0, ax1, ay1]: Tensor[], [bx0, by0, bx1, by1]: Tensor[]): PairGeometry {
  const iw = tf.relu(tf.sub(minOf(ax1, bx1), maxOf(ax0, bx0)));
  const ih = tf.relu(tf.sub(minOf(ay1, by1), maxOf(ay0, by0)));
  const inter = tf.mul(iw, ih);
  const areaA = tf.mul(tf.sub(ax1, ax0), tf.sub(ay1, ay0));
  const areaB = tf.mul(tf.sub(bx1, bx0), tf.sub(by1, by0));
  const union = tf.sub(tf.add(areaA, areaB), inter);
  const ew = tf.sub(maxOf(ax1, bx1), minOf(ax0, bx0));
  const eh = tf.sub(maxOf(ay1, by1), minOf(ay0, by0));
  const enclosing = tf.mul(tf.relu(ew), tf.relu(eh));
  return { inter, union, enclosing };
}

/** `a` `[..., N, 4]` against `b` `[M, 4]`: coordinates shaped `[..., N, 1]` and `[M]`. */
function pairGeometry(a: Tensor, b: Tensor): PairGeometry {
  return geometryOf(
    coordinates(a).map((c) => tf.expandDims(c, -1)),
    coordinates(b),
  );
}

function giouOf({ inter, union, enclosing }: PairGeometry): Tensor {
  return tf.sub(tf.div(inter, union), tf.div(tf.sub(enclosing, union), enclosing));
}

/** Pairwise IoU of xyxy boxes: `[..., N, 4]` × `[M, 4]` → `[..., N, M]`. */
export function pairwiseIou(a: Tensor, b: Tensor): Tensor {
  return tf.tidy(() => {
    const { inter, union } = pairGeometry(a, b);
    return tf.div(inter, union);
  });
}

/** Pairwise generalised IoU (Rezatofighi et al. 2019) of xyxy boxes: `[..., N, M]`. */
export function pairwiseGiou(a: Tensor, b: Tensor): Tensor {
  return tf.tidy(() => giouOf(pairGeometry(a, b)));
}

/** Generalised IoU of aligned xyxy boxes `a[k]`, `b[k]` (equal shapes `[..., 4]`) → `[...]`. */
export function alignedGiou(a: Tensor, b: Tensor): Tensor {
  return tf.tidy(() => giouOf(geometryOf(coordinates(a), coordinates(b))));
}

// ---------------------------------------------------------------- plain arrays

export type Box = readonly [number, number, number, number];

export function cxcywhToXyxyArray([cx, cy, w, h]: Box): Box {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

export function xyxyToCxcywhArray([x0, y0, x1, y1]: Box): Box {
  return [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0];
}

/** COCO `[x, y, w, h]` → xyxy. */
export function xywhToXyxyArray([x, y, w, h]: Box): Box {
  return [x, y, x + w, y + h];
}

function geometry(a: Box, b: Box): { inter: number; union: number; enclosing: number } {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  const enclosing = Math.max(0, Math.max(a[2], b[2]) - Math.min(a[0], b[0])) * Math.max(0, Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
  return { inter, union, enclosing };
}

/** IoU of two xyxy boxes. */
export function iouArray(a: Box, b: Box): number {
  const { inter, union } = geometry(a, b);
  return inter / union;
}

/** Generalised IoU of two xyxy boxes. */
export function giouArray(a: Box, b: Box): number {
  const { inter, union, enclosing } = geometry(a, b);
  return inter / union - (enclosing - union) / enclosing;
}

/** Pairwise IoU (or GIoU) of xyxy box lists, row-major `a.length × b.length` float64. */
export function pairwiseArray(a: readonly Box[], b: readonly Box[], kind: 'iou' | 'giou' = 'iou'): Float64Array {
  const out = new Float64Array(a.length * b.length);
  const f = kind === 'iou' ? iouArray : giouArray;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i * b.length + j] = f(a[i], b[j]);
  return out;
}
