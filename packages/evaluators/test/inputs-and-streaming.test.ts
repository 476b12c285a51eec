import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CocoEvaluator, evaluateOdinwFolder, GroundTruth, loadDetections, ODINW_13, ODINW_35, odinwDatasets, parseDetections } from '../src';
import { FIXTURES } from './fixtures';

const ODINW = resolve(FIXTURES, '../data/odinw');
const tiny = join(FIXTURES, 'coco-eval', 'tiny');

describe('input validation names file, record and field', () => {
  const gt = GroundTruth.load(join(tiny, 'gt.json'));
  const bad = (records: unknown) => () => parseDetections(records, gt, 'dt.json');

  it('rejects unknown images, missing scores, non-finite and negative-size boxes', () => {
    expect(bad({})).toThrow('dt.json: results must be a JSON array');
    expect(bad([{ image_id: 999, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }])).toThrow('dt.json: [0].image_id: image 999 is not in the ground truth');
    expect(bad([{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] }])).toThrow('dt.json: [0].score: missing');
    expect(bad([{ image_id: 1, category_id: 1, bbox: [0, 0, 1, 1], score: 'x' }])).toThrow('[0].score: must be a finite number');
    expect(bad([{ image_id: 1, category_id: 1, bbox: [0, 0, null, 1], score: 1 }])).toThrow('[0].bbox: must be [x, y, w, h] of 4 finite numbers');
    expect(bad([{ image_id: 1, category_id: 1, bbox: [0, 0, -2, 1], score: 1 }])).toThrow('[0].bbox: width and height must be >= 0');
    // zero-size boxes are kept, as pycocotools keeps them
    expect(bad([{ image_id: 1, category_id: 1, bbox: [0, 0, 0, 1], score: 1 }])()).toHaveLength(1);
  });

  it('rejects malformed ground truth', () => {
    expect(() =>
      GroundTruth.parse({ images: [{ id: 1 }], categories: [], annotations: [{ id: 1, image_id: 2, category_id: 1, bbox: [0, 0, 1, 1], area: 1 }] }, 'gt.json'),
    ).toThrow('gt.json: annotations[0].image_id: image 2 is not in images');
    expect(() => GroundTruth.parse({ images: [], categories: [] }, 'gt.json')).toThrow('gt.json: annotations: must be an array');
    expect(() => GroundTruth.parse({ images: [{ id: 1 }, { id: 1 }], categories: [], annotations: [] }, 'gt.json')).toThrow(
      'gt.json: images[1].id: duplicate image id 1',
    );
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-ev-'));
    writeFileSync(join(dir, 'broken.json'), '{"images": [');
    expect(() => GroundTruth.load(join(dir, 'broken.json'))).toThrow(/broken\.json: not valid JSON/);
  });
});

describe('streaming and file interfaces agree', () => {
  it('adding detections image by image gives the file result', () => {
    const gt = GroundTruth.load(join(tiny, 'gt.json'));
    const file = new CocoEvaluator(gt);
    file.setDetections(loadDetections(join(tiny, 'dt.json'), gt));
    const stream = new CocoEvaluator(gt);
    const all = JSON.parse(readFileSync(join(tiny, 'dt.json'), 'utf8')) as Array<{ image_id: number }>;
    for (const img of [...new Set(all.map((d) => d.image_id))]) stream.add(all.filter((d) => d.image_id === img) as never);
    // the order of detections changes only tie-breaking among equal scores; tiny has none across images
    expect(stream.summarize().stats).toEqual(file.evaluate().stats);
    stream.reset();
    expect(stream.summarize().stats[0]).toBe(0); // GT but no detections: precision 0, not -1
  });
});

describe('ODinW', () => {
  it('lists have 13 and 35 datasets', () => {
    expect(ODINW_13).toHaveLength(13);
    expect(ODINW_35).toHaveLength(35);
    expect(ODINW_13.every((n) => (ODINW_35 as readonly string[]).includes(n))).toBe(true);
  });

  it('evaluates every dataset of a folder and the means over the lists, naming the missing ones', () => {
    const names = odinwDatasets(ODINW);
    expect(names).toEqual(['Aquarium', 'ChessPieces', 'NorthAmericaMushrooms', 'Packages', 'thermalDogsAndPeople']);
    const dt = mkdtempSync(join(tmpdir(), 'dino-r1-odinw-'));
    // perfect detections for two datasets, the GT boxes shifted by 40% of their size for a third
    for (const [name, shift] of [
      ['Packages', 0],
      ['NorthAmericaMushrooms', 0],
      ['Aquarium', 0.4],
    ] as const) {
      const gt = JSON.parse(readFileSync(join(ODINW, name, 'test', '_annotations.coco.json'), 'utf8'));
      const dets = gt.annotations.map((a: { image_id: number; category_id: number; bbox: number[] }, i: number) => ({
        image_id: a.image_id,
        category_id: a.category_id,
        bbox: [a.bbox[0] + shift * a.bbox[2], a.bbox[1], a.bbox[2], a.bbox[3]],
        score: 1 - i * 1e-4,
      }));
      mkdirSync(dt, { recursive: true });
      writeFileSync(join(dt, `${name}.json`), JSON.stringify(dets));
    }
    const s = evaluateOdinwFolder(ODINW, dt);
    expect(s.datasets.map((d) => d.name)).toEqual(['Aquarium', 'NorthAmericaMushrooms', 'Packages']);
    const ap = Object.fromEntries(s.datasets.map((d) => [d.name, d.stats[0]]));
    // Perfect detections, yet AP < 1: these Roboflow exports number annotations from 0, and pycocotools
    // takes a detection matched to the GT with id 0 for unmatched (it tests the matched id for truth).
    // We reproduce the official number; renumbering the ids gives AP 1.
    expect(ap.Packages).toBeLessThan(1);
    expect(ap.Aquarium).toBeLessThan(0.5);
    const gtJson = JSON.parse(readFileSync(join(ODINW, 'Packages', 'test', '_annotations.coco.json'), 'utf8'));
    gtJson.annotations.forEach((a: { id: number }) => (a.id += 1));
    const renumbered = GroundTruth.parse(gtJson, 'renumbered');
    const ev = new CocoEvaluator(renumbered);
    ev.setDetections(loadDetections(join(dt, 'Packages.json'), renumbered));
    expect(ev.evaluate().stats[0]).toBeCloseTo(1, 12);
    expect(s.means.odinw13.present).toEqual(['Aquarium', 'NorthAmericaMushrooms', 'Packages']);
    expect(s.means.odinw13.missing).toHaveLength(10);
    expect(s.means.odinw13.mean).toBeCloseTo((ap.Aquarium + ap.NorthAmericaMushrooms + ap.Packages) / 3, 12);
    expect(s.means.odinw35.missing).toContain('ChessPieces'); // in the folder, but no results file
  });
});
