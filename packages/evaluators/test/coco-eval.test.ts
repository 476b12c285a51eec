import { basename, join } from 'node:path';
import { CocoEvaluator, GroundTruth, loadDetections, type CocoParams } from '../src';
import { caseDirs, expected, expectParity } from './fixtures';

const cases = caseDirs('coco-eval');

describe('COCO evaluation equals pycocotools COCOeval', () => {
  it('has the reference cases', () => expect(cases.length).toBeGreaterThanOrEqual(7));

  it.each(cases.map((d) => [basename(d), d]))('%s: 12 stats and per-category AP within 1e-9', (_name, dir) => {
    const exp = expected(dir);
    const gt = GroundTruth.load(join(dir, 'gt.json'));
    const ev = new CocoEvaluator(gt, exp.params as CocoParams);
    ev.setDetections(loadDetections(join(dir, 'dt.json'), gt));
    const r = ev.evaluate();
    expect(r.stats).toHaveLength(12);
    exp.stats!.forEach((s, i) => expectParity(r.stats[i], s, `stats[${i}]`));
    for (const [cat, ap] of Object.entries(exp.per_category_ap)) {
      expect(r.perCategoryAp.has(Number(cat))).toBe(true);
      expectParity(r.perCategoryAp.get(Number(cat))!, ap, `per_category_ap[${cat}]`);
    }
  });
});
