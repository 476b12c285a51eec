/**
 * The synthetic dataset's vocabulary: shapes (inside tests on local coordinates u, v ∈ [-1, 1]), fill
 * patterns and the categories built from them. Several categories share a shape, a pattern or a colour
 * family, so only the combination — what a visual prompt shows — tells them apart.
 */
export type ShapeName = 'disc' | 'square' | 'triangle' | 'diamond' | 'ring' | 'cross' | 'ellipse' | 'bar' | 'hexagon';
export type PatternName = 'solid' | 'stripes' | 'checker' | 'dots';
export type Rgb = readonly [number, number, number];

export const SHAPES: Record<ShapeName, (u: number, v: number) => boolean> = {
  disc: (u, v) => u * u + v * v <= 1,
  square: (u, v) => Math.abs(u) <= 0.9 && Math.abs(v) <= 0.9,
  triangle: (u, v) => v <= 0.9 && v >= -0.9 && Math.abs(u) <= (v + 0.9) / 1.8,
  diamond: (u, v) => Math.abs(u) + Math.abs(v) <= 1,
  ring: (u, v) => {
    const r = u * u + v * v;
    return r <= 1 && r >= 0.3;
  },
  cross: (u, v) => (Math.abs(u) <= 0.3 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.3 && Math.abs(u) <= 1),
  hexagon: (u, v) => Math.abs(v) <= 0.87 && Math.abs(u) * 0.87 + Math.abs(v) * 0.5 <= 0.87,
  // distractor-only shapes
  ellipse: (u, v) => u * u + (v * v) / 0.2 <= 1,
  bar: (u, v) => Math.abs(v) <= 0.18 && Math.abs(u) <= 1,
};

/** Fill pattern on local coordinates; `period` is the number of pattern cells across the object. */
export const PATTERNS: Record<PatternName, (u: number, v: number, period: number) => boolean> = {
  solid: () => true,
  stripes: (u, v, p) => Math.floor(((u + v + 4) * p) / 2) % 2 === 0,
  checker: (u, v, p) => (Math.floor(((u + 2) * p) / 2) + Math.floor(((v + 2) * p) / 2)) % 2 === 0,
  dots: (u, v, p) => {
    const cu = (((u + 2) * p) / 2) % 1;
    const cv = (((v + 2) * p) / 2) % 1;
    return (cu - 0.5) ** 2 + (cv - 0.5) ** 2 > 0.09;
  },
};

export interface SyntheticCategory {
  readonly id: number;
  readonly name: string;
  readonly shape: ShapeName;
  readonly pattern: PatternName;
  readonly colour: Rgb;
}

/** Where a patterned category's second colour comes from: a dark ink. */
export const PATTERN_INK: Rgb = [25, 25, 30];

export const SYNTHETIC_CATEGORIES: readonly SyntheticCategory[] = [
  { id: 1, name: 'red disc', shape: 'disc', pattern: 'solid', colour: [220, 40, 40] },
  { id: 2, name: 'blue striped square', shape: 'square', pattern: 'stripes', colour: [50, 90, 230] },
  { id: 3, name: 'green checkered triangle', shape: 'triangle', pattern: 'checker', colour: [50, 190, 70] },
  { id: 4, name: 'yellow diamond', shape: 'diamond', pattern: 'solid', colour: [240, 215, 40] },
  { id: 5, name: 'magenta ring', shape: 'ring', pattern: 'solid', colour: [215, 50, 205] },
  { id: 6, name: 'cyan checkered cross', shape: 'cross', pattern: 'checker', colour: [40, 205, 215] },
  { id: 7, name: 'orange striped disc', shape: 'disc', pattern: 'stripes', colour: [245, 140, 30] },
  { id: 8, name: 'purple dotted square', shape: 'square', pattern: 'dots', colour: [150, 70, 210] },
  { id: 9, name: 'white triangle', shape: 'triangle', pattern: 'solid', colour: [245, 245, 245] },
  { id: 10, name: 'teal striped diamond', shape: 'diamond', pattern: 'stripes', colour: [20, 150, 135] },
  { id: 11, name: 'lime dotted hexagon', shape: 'hexagon', pattern: 'dots', colour: [170, 230, 60] },
  { id: 12, name: 'pink cross', shape: 'cross', pattern: 'solid', colour: [250, 150, 185] },
];

/** Shapes and fills of distractors: never a category's (shape, pattern, colour) combination. */
export const DISTRACTOR_SHAPES: readonly ShapeName[] = ['ellipse', 'bar', 'ellipse', 'bar', 'disc', 'square', 'hexagon'];

/**
 * The compositional vocabulary (reader option `vocabulary=compositional`): every combination of 4 shapes ×
 * 3 fill patterns × 3 colours, 36 categories, id = 1 + 9·shape + 3·pattern + colour (indices into the
 * lists below). Its `base`/`novel` partition is fixed: a category is **novel** when
 * (shape + pattern + colour) mod 4 = 0 — 9 novel, 27 base. For every novel category each of its three
 * attribute pairs (shape+pattern, shape+colour, pattern+colour) also occurs in base categories, so a novel
 * category is a new combination of attributes seen in training, and only a prompt carrying the whole
 * combination identifies it.
 */
export const COMPOSITIONAL_SHAPES: readonly ShapeName[] = ['disc', 'square', 'triangle', 'diamond'];
export const COMPOSITIONAL_PATTERNS: readonly PatternName[] = ['solid', 'stripes', 'checker'];
export const COMPOSITIONAL_COLOURS: ReadonlyArray<{ readonly name: string; readonly rgb: Rgb }> = [
  { name: 'red', rgb: [220, 40, 40] },
  { name: 'blue', rgb: [50, 90, 230] },
  { name: 'yellow', rgb: [240, 215, 40] },
];
const PATTERN_ADJECTIVE: Record<PatternName, string> = { solid: '', stripes: 'striped ', checker: 'checkered ', dots: 'dotted ' };

export type Partition = 'base' | 'novel';

export interface CompositionalCategory extends SyntheticCategory {
  readonly partition: Partition;
}

export const COMPOSITIONAL_CATEGORIES: readonly CompositionalCategory[] = COMPOSITIONAL_SHAPES.flatMap((shape, s) =>
  COMPOSITIONAL_PATTERNS.flatMap((pattern, p) =>
    COMPOSITIONAL_COLOURS.map(({ name, rgb }, c) => ({
      id: 1 + 9 * s + 3 * p + c,
      name: `${name} ${PATTERN_ADJECTIVE[pattern]}${shape}`,
      shape,
      pattern,
      colour: rgb,
      partition: ((s + p + c) % 4 === 0 ? 'novel' : 'base') as Partition,
    })),
  ),
);
