/**
 * End-to-end evaluation time on a COCO-sized case generated from a fixed seed: 5000 images, 80
 * categories, ~36k GT boxes, ~100 detections per image (~490k), as COCO and as LVIS (federated lists,
 * frequencies). Reference times on this machine (recorded when the issue was written): pycocotools
 * 54 s end to end (6 s loading, 47 s evaluate + accumulate + summarize), lvis-api 26 s (8 s loading,
 * 18.5 s run()).   npm run bench -w @dino-r1/evaluators
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CocoEvaluator, GroundTruth, loadDetections, LvisEvaluator } from '../src';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function generate(lvis: boolean) {
  const r = rng(2024);
  const images = [];
  const annotations = [];
  const dets = [];
  const categories = Array.from({ length: 80 }, (_, i) => ({
    id: i + 1,
    name: `c${i + 1}`,
    ...(lvis ? { frequency: (['r', 'c', 'f'] as const)[i % 3] } : {}),
  }));
  let annId = 1;
  for (let img = 1; img <= 5000; img++) {
    const W = 640;
    const H = 480;
    const nGt = Math.floor(r() * 15); // mean ~7.2 → ~36k
    const gts = [];
    for (let g = 0; g < nGt; g++) {
      const w = 8 + r() * 250;
      const h = 8 + r() * 200;
      const box = [r() * (W - w), r() * (H - h), w, h];
      const cat = 1 + Math.floor(r() * 80);
      const a = { id: annId++, image_id: img, category_id: cat, bbox: box, area: w * h, iscrowd: !lvis && r() < 0.01 ? 1 : 0 };
      annotations.push(a);
      gts.push(a);
    }
    const present = [...new Set(gts.map((g) => g.category_id))];
    images.push({
      id: img,
      width: W,
      height: H,
      ...(lvis
        ? {
            neg_category_ids: Array.from({ length: 5 }, () => 1 + Math.floor(r() * 80)).filter((c) => !present.includes(c)),
            not_exhaustive_category_ids: present.filter(() => r() < 0.1),
          }
        : {}),
    });
    const nDt = 96 + Math.floor(r() * 9); // ~100 per image
    for (let d = 0; d < nDt; d++) {
      if (gts.length && r() < 0.5) {
        const g = gts[Math.floor(r() * gts.length)];
        const j = () => (r() - 0.5) * 0.3;
        dets.push({
          image_id: img,
          category_id: r() < 0.85 ? g.category_id : 1 + Math.floor(r() * 80),
          bbox: [g.bbox[0] + j() * g.bbox[2], g.bbox[1] + j() * g.bbox[3], g.bbox[2] * (1 + j()), g.bbox[3] * (1 + j())],
          score: Math.round(r() * 1000) / 1000,
        });
      } else {
        const w = 8 + r() * 250;
        const h = 8 + r() * 200;
        dets.push({ image_id: img, category_id: 1 + Math.floor(r() * 80), bbox: [r() * (W - w), r() * (H - h), w, h], score: Math.round(r() * 1000) / 1000 });
      }
    }
  }
  return { gt: { images, categories, annotations }, dets };
}

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'dino-r1-evalbench-'));
  const rows: Array<Record<string, string | number>> = [];
  for (const kind of ['coco', 'lvis'] as const) {
    const { gt, dets } = generate(kind === 'lvis');
    writeFileSync(join(dir, `${kind}-gt.json`), JSON.stringify(gt));
    writeFileSync(join(dir, `${kind}-dt.json`), JSON.stringify(dets));
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = process.hrtime.bigint();
    const g = GroundTruth.load(join(dir, `${kind}-gt.json`));
    const d = loadDetections(join(dir, `${kind}-dt.json`), g);
    const load = seconds(t0);
    const t1 = process.hrtime.bigint();
    const ev = kind === 'coco' ? new CocoEvaluator(g) : new LvisEvaluator(g);
    ev.setDetections(d);
    const stat = kind === 'coco' ? (ev as CocoEvaluator).evaluate().stats[0] : (ev as LvisEvaluator).evaluate().results.AP;
    const evalS = seconds(t1);
    const total = load + evalS;
    const reference = kind === 'coco' ? 54 : 26;
    rows.push({
      case: kind,
      images: gt.images.length,
      'GT boxes': gt.annotations.length,
      detections: dets.length,
      'load s': +load.toFixed(2),
      'evaluate s': +evalS.toFixed(2),
      'total s': +total.toFixed(2),
      [`reference s (${kind === 'coco' ? 'pycocotools' : 'lvis-api'}, recorded)`]: reference,
      speedup: `${(reference / total).toFixed(1)}×`,
      AP: +stat.toFixed(4),
      'heap MB': Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20),
    });
  }
  console.log('\nCOCO / LVIS bbox evaluation, end to end (files → summary)');
  console.table(rows);
}

main();
