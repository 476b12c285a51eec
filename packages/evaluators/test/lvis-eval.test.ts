import { basename, join } from 'node:path';
import { GroundTruth, limitDetsPerImage, LvisEvaluator, loadDetections } from '../src';
import { caseDirs, expected, expectParity } from './fixtures';

const cases = caseDirs('lvis-eval');

describe('LVIS evaluation equals lvis-api LVISEval', () => {
  it('has the reference cases', () => expect(cases.length).toBeGreaterThanOrEqual(4));

  it.each(cases.map((d) => [basename(d), d]))('%s: every result and per-category AP within 1e-9', (_name, dir) => {
    const exp = expected(dir);
    const gt = GroundTruth.load(join(dir, 'gt.json'));
    const ev = new LvisEvaluator(gt, { maxDets: (exp.params.max_dets as number | undefined) ?? 300 });
    ev.setDetections(loadDetections(join(dir, 'dt.json'), gt));
    const r = ev.evaluate();
    expect(Object.keys(r.results).sort()).toEqual(Object.keys(exp.results!).sort());
    for (const [k, v] of Object.entries(exp.results!)) expectParity(r.results[k], v, k);
    for (const [cat, ap] of Object.entries(exp.per_category_ap)) expectParity(r.perCategoryAp.get(Number(cat))!, ap, `per_category_ap[${cat}]`);
  });

  it('cuts per image across categories, stable on ties, keeping first-appearance image order', () => {
    const d = (imageId: number, score: number, id: number) => ({ id, imageId, categoryId: 1, bbox: [0, 0, 1, 1] as const, area: 1, score });
    const out = limitDetsPerImage([d(5, 0.1, 1), d(3, 0.9, 2), d(5, 0.7, 3), d(5, 0.7, 4), d(5, 0.2, 5)], 2);
    expect(out.map((x) => [x.imageId, x.score])).toEqual([
      [5, 0.7],
      [5, 0.7],
      [3, 0.9],
    ]);
    expect(out.map((x) => x.id)).toEqual([1, 2, 3]);
  });
});
