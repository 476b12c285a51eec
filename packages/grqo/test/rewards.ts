/** The built-in rewards constructed directly, for tests that run without a container. */
import type { Reward, WeightedReward } from '@dino-r1/core';
import { ClassificationReward, GiouReward, IouReward, L1Reward } from '@dino-r1/rewards';
import { matchRewards } from '../src';

export function builtInReward(name: string): Reward {
  const make: Record<string, () => Reward> = {
    classification: () => new ClassificationReward(),
    cls: () => new ClassificationReward(),
    l1: () => new L1Reward(),
    giou: () => new GiouReward(),
    iou: () => new IouReward(),
  };
  if (!make[name]) throw new Error(`no built-in reward '${name}'`);
  return make[name]();
}

/** DINO's matching cost (2, 5, 2). */
export const dinoMatchRewards = (): WeightedReward[] => matchRewards(builtInReward);

/** The fixtures' `weights` (`cls`, `l1`, `giou`) as weighted rewards. */
export function fixtureRewards(weights: Readonly<Record<string, number>>): WeightedReward[] {
  return Object.entries(weights).map(([name, weight]) => ({ reward: builtInReward(name), weight }));
}
