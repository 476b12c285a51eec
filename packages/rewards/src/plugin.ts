/** The package's plugin: binds every reward and advantage normaliser under its config name. */
import { definePlugin, TOKENS } from '@dino-r1/core';
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
