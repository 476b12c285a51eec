/**
 * What a `Trainer` takes from the run's container: the KL anchor, GRQO's rewards and advantage normaliser
 * (the config's choices), and the SFT matching cost built from the container's `classification`, `l1` and
 * `giou` rewards — so a plugin that rebinds one of those rewards changes both GRQO and the matching.
 */
import { resolveNamed, TOKENS, type AdvantageNormaliser, type DinoR1Config, type KlAnchor, type Reward, type WeightedReward } from '@dino-r1/core';
import type { Container } from 'inversify';
import { matchRewards } from './matcher';

export interface TrainerComponents {
  readonly anchor: KlAnchor;
  readonly rewards: readonly WeightedReward[];
  readonly matchRewards: readonly WeightedReward[];
  readonly normaliser: AdvantageNormaliser;
}

export function trainerComponents(container: Container): TrainerComponents {
  const config = container.get<DinoR1Config>(TOKENS.Config);
  return {
    anchor: container.get<KlAnchor>(TOKENS.ActiveKlAnchor),
    rewards: container.get<WeightedReward[]>(TOKENS.ActiveRewards),
    matchRewards: matchRewards((name) => resolveNamed<Reward>(container, TOKENS.Reward, name, 'sft.matchCost'), config.sft.matchCost),
    normaliser: container.get<AdvantageNormaliser>(TOKENS.ActiveAdvantageNormaliser),
  };
}
