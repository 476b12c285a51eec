/** One annotation in COCO conventions: `bbox` is `[x, y, w, h]` in pixels. */
export interface Annotation {
  readonly id: number;
  readonly categoryId: number;
  readonly bbox: readonly [number, number, number, number];
  readonly area: number;
  readonly iscrowd: boolean;
}

/** Decoded 8-bit RGB pixels, row-major HWC. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface ImageRecord {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  /** Absolute path of the image file, when the image lives in a file. */
  readonly file?: string;
  /** Renders the image, when it is generated in code (the synthetic dataset) rather than read from a file. */
  readonly render?: () => RgbImage;
  readonly annotations: readonly Annotation[];
  /** LVIS: categories verified absent from the image. */
  readonly negCategoryIds?: readonly number[];
  /** LVIS: categories present but not exhaustively annotated. */
  readonly notExhaustiveCategoryIds?: readonly number[];
}

export interface Category {
  readonly id: number;
  readonly name: string;
  /** LVIS frequency group: rare, common, frequent. */
  readonly frequency?: 'r' | 'c' | 'f';
}

/** A detection dataset in memory: what every reader produces. */
export interface DetectionDataset {
  readonly name: string;
  readonly categories: readonly Category[];
  readonly images: readonly ImageRecord[];
}

/** Reads one dataset format (COCO json, LVIS, ODinW folder, ODVG jsonl, synthetic, …). */
export interface DatasetReader {
  readonly name: string;
  /** `source` is format specific (a file, a folder, a seed spec); errors name file, record and field. */
  read(source: string, options?: Readonly<Record<string, unknown>>): Promise<DetectionDataset>;
}
