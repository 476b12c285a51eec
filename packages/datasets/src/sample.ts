/** One decoded, annotated image on its way from a reader to a batch. */
export interface Sample {
  readonly imageId: number;
  /** HWC float pixels: 0–255 until `normalise`, then standardised. */
  readonly pixels: Float32Array;
  readonly width: number;
  readonly height: number;
  /** COCO `[x, y, w, h]` in pixels of `pixels`. */
  readonly boxes: ReadonlyArray<readonly [number, number, number, number]>;
  readonly categoryIds: readonly number[];
  /** Size of the image as stored (before any transform), `[height, width]`: predictions are mapped back to it. */
  readonly originalSize: readonly [number, number];
}
