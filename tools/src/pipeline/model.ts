/**
 * The run's container and model: every package's plugin plus the user's, the detector built from the config
 * (with seeded initial weights) and wrapped as the trainer's policy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContainer, initBackend, parseConfig, type DinoR1Config, type Logger, type Plugin, TOKENS } from '@dino-r1/core';
import { backboneDinoPlugin } from '@dino-r1/backbone-dino';
import { datasetsPlugin } from '@dino-r1/datasets';
import { decoderPlugin, type DinoR1Detector } from '@dino-r1/decoder';
import { evaluatorsPlugin } from '@dino-r1/evaluators';
import { DetectorPolicy, grqoPlugin, latestCheckpoint } from '@dino-r1/grqo';
import { rewardsPlugin } from '@dino-r1/rewards';
import type { Container } from 'inversify';
import { loadTensors } from '@dino-r1/core';
import { withSeededRandom } from './seed';

export const BUILTIN_PLUGINS: readonly Plugin[] = [backboneDinoPlugin, decoderPlugin, rewardsPlugin, grqoPlugin, datasetsPlugin, evaluatorsPlugin];

export interface Model {
  readonly container: Container;
  readonly detector: DinoR1Detector;
  readonly policy: DetectorPolicy;
  /** Batches are padded to a multiple of the coarsest backbone stride. */
  readonly padMultiple: number;
}

export function buildModel(config: DinoR1Config, logger: Logger, plugins: readonly Plugin[] = []): Model {
  const container = createContainer(config, [...BUILTIN_PLUGINS, ...plugins], { logger });
  const detector = withSeededRandom(config.seed, () => container.get(TOKENS.Detector)) as DinoR1Detector;
  const policy = new DetectorPolicy(detector);
  return { container, detector, policy, padMultiple: Math.max(...detector.backbone.strides) };
}

/** The resolved config a run directory was trained with (`config.json`). */
export function readRunConfig(dir: string): DinoR1Config {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${dir} is not a run directory: ${file} is missing`);
  }
  return parseConfig(JSON.parse(text));
}

/** Loads the newest complete checkpoint's model weights of a run directory into `model.policy`; returns its step. */
export function loadRunWeights(dir: string, model: Model): number {
  const sidecar = latestCheckpoint(dir);
  if (!sidecar) throw new Error(`${dir}: no complete checkpoint (checkpoint-N.json with its safetensors files)`);
  const { tensors } = loadTensors(join(dir, sidecar.model));
  try {
    model.policy.loadStateDict(tensors, { source: join(dir, sidecar.model) });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return sidecar.step;
}

/**
 * A trained run ready to use: its config (optionally adjusted), the backend it names, the model with the
 * newest checkpoint's weights, and that checkpoint's step.
 */
export async function openRun(
  dir: string,
  logger: Logger,
  adjust: (c: DinoR1Config) => DinoR1Config = (c) => c,
): Promise<{ config: DinoR1Config; model: Model; step: number }> {
  const config = adjust(readRunConfig(dir));
  await initBackend(config.backend, { logger });
  const model = buildModel(config, logger);
  return { config, model, step: loadRunWeights(dir, model) };
}
