/**
 * Readers: the real ODinW exports in ../shared/data load through the `odinw` reader and decode through
 * sharp; broken annotation files fail naming file, record and field; a corrupt image is reported and
 * skipped by the loader, never fatal.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createContainer, initBackend, resolveNamed, silentLogger, TOKENS } from '@dino-r1/core';
import {
  type Batch,
  BatchLoader,
  datasetsPlugin,
  decodeImageFile,
  disposeBatch,
  normalise,
  readCocoFile,
  readOdinwFolder,
  readOdvgFile,
  resizeKeepRatio,
  compose,
} from '../src';

const ODINW = resolve(__dirname, '../../../../shared/data/odinw');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dino-r1-datasets-'));
}

const good = () => ({
  images: [
    { id: 1, width: 100, height: 80, file_name: 'a.jpg' },
    { id: 2, width: 50, height: 50, file_name: 'b.jpg' },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 3, bbox: [10, 10, 20, 30], area: 600, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 4, bbox: [0, 0, 50, 50], area: 2500, iscrowd: 0 },
  ],
  categories: [
    { id: 3, name: 'cat' },
    { id: 4, name: 'dog' },
  ],
});

function writeJson(dir: string, value: unknown, name = 'ann.json'): string {
  const f = join(dir, name);
  writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
  return f;
}

beforeAll(() => initBackend('cpu', { logger: silentLogger }));

describe('real ODinW data (../shared/data/odinw)', () => {
  it('is present', () => {
    if (!existsSync(ODINW)) throw new Error(`missing ${ODINW}: the shared data folder must sit beside the repository`);
  });

  it('reads every split of every dataset; sharp decodes the images at their annotated size', async () => {
    for (const name of readdirSync(ODINW).filter((n) => existsSync(join(ODINW, n, 'train')))) {
      for (const split of ['train', 'valid', 'test']) {
        const ds = readOdinwFolder(join(ODINW, name), split);
        expect(ds.images.length).toBeGreaterThan(0);
        expect(ds.categories.length).toBeGreaterThan(0);
      }
    }
    const ds = readOdinwFolder(join(ODINW, 'Packages/valid'));
    expect(ds.name).toBe('Packages-valid');
    const im = await decodeImageFile(ds.images[0].file!);
    expect([im.width, im.height]).toEqual([ds.images[0].width, ds.images[0].height]);
    expect(im.data.length).toBe(im.width * im.height * 3);
  });

  it('batches real images with padding masks and boxes in normalised cxcywh', async () => {
    const ds = readOdinwFolder(join(ODINW, 'Packages'), 'train');
    const loader = new BatchLoader(ds, { batchSize: 3, transform: compose(resizeKeepRatio(160), normalise()), padMultiple: 16, skipEmpty: true });
    const it = loader.epoch(0);
    const batch = (await it.next()).value as Batch;
    const [B, H, W] = batch.images.pixels.shape;
    expect(B).toBe(3);
    expect(H % 16).toBe(0);
    expect(W % 16).toBe(0);
    const mask = batch.images.mask.arraySync() as number[][][];
    batch.images.sizes.forEach(([h, w], b) => {
      expect(Math.max(h, w)).toBe(160);
      expect(mask[b][h - 1][w - 1]).toBe(0);
      if (w < W) expect(mask[b][0][w]).toBe(1);
    });
    for (const g of batch.gts) for (const v of g.boxes.dataSync()) expect(v).toBeGreaterThanOrEqual(0);
    disposeBatch(batch);
  });
});

describe('broken annotation files fail with file, record and field', () => {
  const cases: Array<[string, (j: ReturnType<typeof good>) => unknown, RegExp]> = [
    ['truncated json', (j) => JSON.stringify(j).slice(0, 80), /ann\.json: not valid JSON \(truncated or corrupt\?\)/],
    ['missing annotations', (j) => ({ ...j, annotations: undefined }), /ann\.json, field 'annotations': missing/],
    ['missing bbox', (j) => (((j.annotations[1] as Record<string, unknown>).bbox = undefined), j), /ann\.json: annotations\[1\], field 'bbox': missing/],
    ['bbox with 3 numbers', (j) => ((j.annotations[0].bbox = [1, 2, 3]), j), /annotations\[0\], field 'bbox': must have 4 numbers, got 3/],
    [
      'box outside the image',
      (j) => ((j.annotations[1].bbox = [10, 10, 50, 50]), j),
      /annotations\[1\], field 'bbox': box \[10, 10, 50, 50\] lies outside its 50×50 image/,
    ],
    ['zero-size box', (j) => ((j.annotations[0].bbox = [1, 1, 0, 5]), j), /annotations\[0\], field 'bbox': box .* non-positive size/],
    ['unknown image', (j) => ((j.annotations[0].image_id = 9), j), /annotations\[0\], field 'image_id': no image with id 9/],
    ['unknown category', (j) => ((j.annotations[1].category_id = 7), j), /annotations\[1\], field 'category_id': no category with id 7/],
    [
      'image without width',
      (j) => (((j.images[1] as Record<string, unknown>).width = 'wide'), j),
      /images\[1\], field 'width': must be a finite number, got "wide"/,
    ],
    ['duplicate image id', (j) => ((j.images[1].id = 1), j), /images\[1\], field 'id': duplicate image id 1/],
  ];
  it.each(cases)('%s', (_, corrupt, message) => {
    const f = writeJson(tmp(), corrupt(good()));
    expect(() => readCocoFile(f)).toThrow(message);
  });

  it('a valid file reads, with images beside it', () => {
    const dir = tmp();
    const ds = readCocoFile(writeJson(dir, good()));
    expect(ds.images.map((i) => [i.id, i.file, i.annotations.length])).toEqual([
      [1, join(dir, 'a.jpg'), 1],
      [2, join(dir, 'b.jpg'), 1],
    ]);
  });

  it('LVIS fields are read and checked', () => {
    const j = { ...good(), images: good().images.map((im) => ({ ...im, neg_category_ids: [4], not_exhaustive_category_ids: [] })) };
    (j.categories[0] as Record<string, unknown>).frequency = 'r';
    const ds = readCocoFile(writeJson(tmp(), j), { lvis: true });
    expect(ds.images[0].negCategoryIds).toEqual([4]);
    expect(ds.categories[0].frequency).toBe('r');
    j.images[1].neg_category_ids = [99];
    expect(() => readCocoFile(writeJson(tmp(), j), { lvis: true })).toThrow(/images\[1\], field 'neg_category_ids': unknown category id 99/);
  });

  it('ODVG jsonl: detection and grounding records; errors name the line', () => {
    const dir = tmp();
    const lines = [
      { filename: 'a.jpg', width: 100, height: 80, detection: { instances: [{ bbox: [10, 10, 30, 40], label: 0, category: 'cat' }] } },
      { filename: 'b.jpg', width: 100, height: 80, grounding: { caption: 'a dog', regions: [{ bbox: [0, 0, 50, 50], phrase: 'a dog' }] } },
    ];
    const f = join(dir, 'd.jsonl');
    writeFileSync(f, lines.map((l) => JSON.stringify(l)).join('\n'));
    const ds = readOdvgFile(f);
    expect(ds.categories.map((c) => c.name)).toEqual(['cat', 'a dog']);
    expect(ds.images[0].annotations[0].bbox).toEqual([10, 10, 20, 30]);
    writeFileSync(f, [JSON.stringify(lines[0]), JSON.stringify({ ...lines[0], detection: { instances: [{ bbox: [10, 10, 300, 40], label: 0 }] } })].join('\n'));
    expect(() => readOdvgFile(f)).toThrow(/d\.jsonl: line 2\.detection\.instances\[0\], field 'bbox': box .* outside/);
    writeFileSync(f, '{"filename": "a.jpg", "wid');
    expect(() => readOdvgFile(f)).toThrow(/d\.jsonl: line 1: not valid JSON/);
  });

  it('the readers are plugins chosen by name', async () => {
    const c = createContainer({}, [datasetsPlugin], { logger: silentLogger });
    const odinw = resolveNamed(c, TOKENS.DatasetReader, 'odinw', 'data.train.reader');
    const ds = await odinw.read(join(ODINW, 'Packages'), { split: 'test' });
    expect(ds.images.length).toBeGreaterThan(0);
    expect(() => resolveNamed(c, TOKENS.DatasetReader, 'pascal', 'data.train.reader')).toThrow(/pascal/);
  });
});

describe('a corrupt image is reported and skipped', () => {
  it('the loader skips it and names the file; the other images still batch', async () => {
    const dir = tmp();
    const src = readOdinwFolder(join(ODINW, 'Packages'), 'test');
    const j = good();
    j.images = src.images.slice(0, 2).map((im, i) => ({ id: i + 1, width: im.width, height: im.height, file_name: `img${i}.jpg` }));
    j.annotations = [
      { id: 1, image_id: 1, category_id: 3, bbox: [1, 1, 10, 10], area: 100, iscrowd: 0 },
      { id: 2, image_id: 2, category_id: 3, bbox: [1, 1, 10, 10], area: 100, iscrowd: 0 },
    ];
    copyFileSync(src.images[0].file!, join(dir, 'img0.jpg'));
    writeFileSync(join(dir, 'img1.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3])); // a truncated JPEG
    const ds = readCocoFile(writeJson(dir, j));
    const skipped: string[] = [];
    const loader = new BatchLoader(ds, {
      batchSize: 2,
      transform: compose(resizeKeepRatio(64), normalise()),
      shuffle: false,
      onSkip: (r, e) => skipped.push(`${r.file}: ${e.message}`),
    });
    const batches = [];
    for await (const b of loader.epoch(0)) batches.push(b);
    expect(batches).toHaveLength(1);
    expect(batches[0].imageIds).toEqual([1]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toContain(join(dir, 'img1.jpg'));
    batches.forEach(disposeBatch);
  });
});
