/**
 * Seeded model initialisation: tfjs draws the seed of every unseeded random op from `Math.random`, so
 * running a model's construction with a seeded `Math.random` makes its initial weights a function of the
 * run's seed (what `dino-r1 compare` relies on for identical seeds across objectives).
 */
import { Random } from '@dino-r1/datasets';

export function withSeededRandom<T>(seed: number, build: () => T): T {
  const original = Math.random;
  const random = new Random(seed * 2654435761 + 1);
  Math.random = () => random.next();
  try {
    return build();
  } finally {
    Math.random = original;
  }
}
