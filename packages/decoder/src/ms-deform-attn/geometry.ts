/** The level layout every implementation of multi-scale deformable attention shares. */
export interface MsdaDims {
  readonly N: number;
  /** Σ H_l·W_l */
  readonly S: number;
  readonly M: number;
  readonly D: number;
  readonly Lq: number;
  readonly L: number;
  readonly P: number;
  /** `[H_0, W_0, H_1, W_1, …]` */
  readonly shapes: readonly number[];
  /** Offset of every level inside S. */
  readonly starts: readonly number[];
}
