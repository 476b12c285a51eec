/** The package's plugin: binds every reward and advantage normaliser under its config name. */
import { definePlugin, TOKENS, type Reward } from '@dino-r1/core';
import { ClassificationReward } from './classification';
import { GiouReward } from './giou';
import { IouReward } from './iou';
import { L1Reward } from './l1';
import { BatchNormaliser, GroupNormaliser, NoNormaliser, RankNormaliser } from './normalisers';

export const rewardsPlugin = definePlugin('@dino-r1/rewards', (b) => {
  b.bindNamed(TOKENS.Reward, 'classification', ClassificationReward);
  b.bindNamed(TOKENS.Reward, 'l1', L1Reward);
  b.bindNamed(TOKENS.Reward, 'giou', GiouReward);
  b.bindNamed(TOKENS.Reward, 'iou', IouReward);
  b.bindNamed(TOKENS.AdvantageNormaliser, 'group', GroupNormaliser);
  b.bindNamed(TOKENS.AdvantageNormaliser, 'batch', BatchNormaliser);
  b.bindNamed(TOKENS.AdvantageNormaliser, 'none', NoNormaliser);
  b.bindNamed(TOKENS.AdvantageNormaliser, 'rank', RankNormaliser);
});

const BUILT_IN: Record<string, () => Reward> = {
  classification: () => new ClassificationReward(),
  l1: () => new L1Reward(),
  giou: () => new GiouReward(),
  iou: () => new IouReward(),
};

/** A built-in reward by its config name, for code that runs without a container (tests, scripts). */
export function rewardsByName(name: string): Reward {
  const make = BUILT_IN[name];
  if (!make) throw new Error(`no built-in reward named '${name}'; built-in: ${Object.keys(BUILT_IN).join(', ')}`);
  return make();
}
