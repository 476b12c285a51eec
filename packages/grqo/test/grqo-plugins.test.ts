/**
 * GRQO driven by the container: a reward registered by a user plugin (no package source touched)
 * changes the advantages; the `matched` reduction and `normalise-then-sum` aggregation follow their rules.
 */
import {
  createContainer,
  definePlugin,
  initBackend,
  silentLogger,
  tf,
  TOKENS,
  type AdvantageNormaliser,
  type QueryPredictions,
  type Reward,
  type RewardTargets,
  type WeightedReward,
} from '@dino-r1/core';
import { ClassificationReward, compositeReward, GroupNormaliser, L1Reward, rewardsPlugin } from '@dino-r1/rewards';
import { grqoLoss, grqoPlugin, hungarianMatch, trainerComponents } from '../src';
import { loadCase } from './fixtures';

/** A user's reward: prefers large boxes, whatever the GT (so it visibly reorders the advantages). */
class AreaReward implements Reward {
  readonly name = 'area';
  matrix(pred: QueryPredictions, gt: RewardTargets) {
    return tf.tidy(() => {
      const [, , w, h] = tf.unstack(pred.boxes, -1);
      const area = tf.expandDims(tf.mul(w, h), -1);
      return tf.tile(area, [...area.shape.slice(0, -1).map(() => 1), gt.boxes.shape[0]]);
    });
  }
}
const userPlugin = definePlugin('user:area', (b) => b.bindNamed(TOKENS.Reward, 'area', AreaReward));

function fromContainer(config: object) {
  const c = createContainer(config, [rewardsPlugin, userPlugin], { logger: silentLogger });
  return {
    rewards: c.get<WeightedReward[]>(TOKENS.ActiveRewards),
    normaliser: c.get<AdvantageNormaliser>(TOKENS.ActiveAdvantageNormaliser),
    grqo: c.get(TOKENS.Config).grqo,
  };
}

describe('GRQO with plugins from the container', () => {
  beforeAll(() => initBackend('cpu', { logger: silentLogger }));

  it('a user-registered reward changes the advantages', () => {
    const c = loadCase('paper_small');
    const paper = fromContainer({});
    const withArea = fromContainer({
      grqo: { rewards: [...paper.grqo.rewards, { name: 'area', weight: 50 }] },
    });
    const base = grqoLoss(c.inputs, paper.grqo, paper);
    const mine = grqoLoss(c.inputs, withArea.grqo, withArea);
    // paper config from the container is the fixture's setting
    expect(Math.abs(base.loss.arraySync() - c.expected.get('loss')!.dataSync()[0])).toBeLessThan(1e-5);
    const diff = tf.max(tf.abs(tf.sub(base.advantages, mine.advantages))).arraySync();
    expect(diff).toBeGreaterThan(0.1);
    // and it is exactly the composite with the extra term
    const pred = {
      logits: tf.squeeze(tf.slice(c.inputs.predLogits, [0, 0, 0, 0], [-1, 1, -1, -1]), [1]),
      boxes: tf.squeeze(tf.slice(c.inputs.predBoxes, [0, 0, 0, 0], [-1, 1, -1, -1]), [1]),
    };
    const expected = tf.max(compositeReward(withArea.rewards, pred, c.inputs.gts[0]), -1).arraySync() as number[][];
    const got = mine.rewards.arraySync() as number[][][];
    expected.forEach((row, l) => row.forEach((v, q) => expect(got[l][0][q]).toBeCloseTo(v, 5)));
  });

  it('matched reduction reads each query at its Hungarian GT (unmatched queries: 0)', () => {
    const c = loadCase('paper_small');
    const cfg = fromContainer({ grqo: { rewardReduction: 'matched' } });
    const out = grqoLoss(c.inputs, cfg.grqo, cfg);
    const r = out.rewards.arraySync() as number[][][];
    const maxR = c.expected.get('rewards')!.arraySync() as number[][][];
    for (let l = 0; l < r.length; l++)
      for (let b = 0; b < r[l].length; b++) {
        const G = c.inputs.gts[b].boxes.shape[0];
        const nonZero = r[l][b].filter((v) => v !== 0).length;
        expect(nonZero).toBe(G); // one query per GT
        // a matched query's reward is one of its entries, so never above its max over GT
        r[l][b].forEach((v, q) => v !== 0 && expect(v).toBeLessThanOrEqual(maxR[l][b][q] + 1e-5));
      }
  });

  it('matched reduction and normalise-then-sum take images with a single GT', () => {
    const c = loadCase('paper_small');
    const one = { ...c.inputs, gts: c.inputs.gts.map((g) => ({ boxes: tf.slice(g.boxes, [0, 0], [1, 4]), labels: tf.slice(g.labels, [0], [1]) })) };
    for (const grqo of [{ rewardReduction: 'matched' }, { aggregation: 'normalise-then-sum' }]) {
      const cfg = fromContainer({ grqo });
      const out = grqoLoss(one, cfg.grqo, cfg);
      expect(Number.isFinite(out.loss.arraySync())).toBe(true);
    }
    // matched with one GT: exactly one query per (layer, image) has a non-zero reward
    const cfg = fromContainer({ grqo: { rewardReduction: 'matched' } });
    const r = grqoLoss(one, cfg.grqo, cfg).rewards.arraySync() as number[][][];
    r.forEach((layer) => layer.forEach((row) => expect(row.filter((v) => v !== 0)).toHaveLength(1)));
  });

  it('normalise-then-sum normalises each reward in its group, then weights', () => {
    const c = loadCase('paper_small');
    const cfg = fromContainer({ grqo: { aggregation: 'normalise-then-sum', muteFraction: 0 } });
    const out = grqoLoss(c.inputs, cfg.grqo, cfg);
    // with weights w_k, per (layer,image) the advantages are Σ w_k·z_k with zero-mean z_k: mean 0
    const means = tf.mean(out.advantages, 2).arraySync() as number[][];
    means.flat().forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
    // and it differs from sum-then-normalise
    const sum = grqoLoss(c.inputs, { ...cfg.grqo, aggregation: 'sum-then-normalise' }, cfg);
    expect(tf.max(tf.abs(tf.sub(sum.advantages, out.advantages))).arraySync()).toBeGreaterThan(0.01);
  });

  it("the SFT matching cost uses the container's rewards: another `giou` changes the matching too", () => {
    /** GIoU replaced by a reward that prefers the query with the largest index, whatever the boxes. */
    class LastQueryReward implements Reward {
      readonly name = 'giou';
      matrix(pred: QueryPredictions, gt: RewardTargets) {
        return tf.tidy(() => {
          const Q = pred.boxes.shape[pred.boxes.rank - 2];
          const idx = tf.reshape(tf.mul(tf.range(0, Q), 100), [Q, 1]);
          return tf.broadcastTo(idx, [...pred.boxes.shape.slice(0, -2), Q, gt.boxes.shape[0]]);
        });
      }
    }
    // a reward set of the user's: the stock classification and L1, their own `giou`
    const theirs = definePlugin('user:rewards', (b) => {
      b.bindNamed(TOKENS.Reward, 'classification', ClassificationReward);
      b.bindNamed(TOKENS.Reward, 'l1', L1Reward);
      b.bindNamed(TOKENS.Reward, 'giou', LastQueryReward);
      b.bindNamed(TOKENS.AdvantageNormaliser, 'group', GroupNormaliser);
    });
    const c = loadCase('paper_small');
    const stock = trainerComponents(createContainer({}, [rewardsPlugin, grqoPlugin], { logger: silentLogger }));
    const mine = trainerComponents(createContainer({}, [theirs, grqoPlugin], { logger: silentLogger }));
    expect(mine.matchRewards.map((w) => w.weight)).toEqual([2, 5, 2]);
    expect(mine.matchRewards[2].reward).toBeInstanceOf(LastQueryReward);
    const a = hungarianMatch(c.inputs.predLogits, c.inputs.predBoxes, c.inputs.gts, stock.matchRewards);
    const b = hungarianMatch(c.inputs.predLogits, c.inputs.predBoxes, c.inputs.gts, mine.matchRewards);
    const Q = c.inputs.predLogits.shape[2] as number;
    const G = c.inputs.gts[0].boxes.shape[0];
    // the rebound reward dominates: the last G queries are matched
    expect([...b[0][0].queries].sort((x, y) => x - y)).toEqual(Array.from({ length: G }, (_, i) => Q - G + i));
    expect([...a[0][0].queries].sort((x, y) => x - y)).not.toEqual([...b[0][0].queries].sort((x, y) => x - y));
  });
});
