/**
 * The run's container and model: every package's plugin plus the user's, the detector built from the config
 * (with seeded initial weights) and wrapped as the trainer's policy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  backendPreference,
  createContainer,
  initBackend,
  parseConfig,
  type BackendName,
  type Detector,
  type DinoR1Config,
  type Logger,
  type Module,
  type Plugin,
  TOKENS,
} from '@dino-r1/core';
import { backboneDinoPlugin } from '@dino-r1/backbone-dino';
import { datasetsPlugin } from '@dino-r1/datasets';
import { evaluatorsPlugin } from '@dino-r1/evaluators';
import { decoderPlugin } from '@dino-r1/decoder';
import { DetectorPolicy, grqoPlugin, latestCheckpoint } from '@dino-r1/grqo';
import { rewardsPlugin } from '@dino-r1/rewards';
import type { Container } from 'inversify';
import { loadTensors } from '@dino-r1/core';
import { loadPluginFiles } from './plugin-files';
import { withSeededRandom } from './seed';

export const BUILTIN_PLUGINS: readonly Plugin[] = [backboneDinoPlugin, decoderPlugin, rewardsPlugin, grqoPlugin, datasetsPlugin, evaluatorsPlugin];

export interface Model {
  readonly container: Container;
  /** Whatever the container binds to `TOKENS.Detector` (the built-in `DinoR1Detector` unless a plugin rebinds it). */
  readonly detector: Detector & Module;
  readonly policy: DetectorPolicy;
  /** Batches are padded to a multiple of the coarsest backbone stride. */
  readonly padMultiple: number;
}

/** `runDir` (training) is bound to `TOKENS.RunDirectory` for plugins that write beside the run's files. */
export function buildModel(config: DinoR1Config, logger: Logger, plugins: readonly Plugin[] = [], runDir?: string): Model {
  const container = createContainer(config, [...BUILTIN_PLUGINS, ...plugins], { logger });
  if (runDir !== undefined) container.bind(TOKENS.RunDirectory).toConstantValue(runDir);
  const detector = withSeededRandom(config.seed, () => container.get(TOKENS.Detector));
  if (!isModule(detector)) throw new Error('the detector bound to TOKENS.Detector must be a Module (trainable parameters, stateDict)');
  const policy = new DetectorPolicy(detector);
  return { container, detector, policy, padMultiple: detector.padMultiple };
}

function isModule(d: Detector): d is Detector & Module {
  const m = d as Partial<Module>;
  return typeof m.trainableParameters === 'function' && typeof m.stateDict === 'function';
}

/** The config's `plugins` files (paths as resolved by `loadConfigFile`) followed by `extra`. */
export async function runPlugins(config: DinoR1Config, extra: readonly Plugin[] = []): Promise<Plugin[]> {
  return [...(await loadPluginFiles(config.plugins)), ...extra];
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
export interface OpenRunOptions {
  /** Changes to the run's config before the model is built (e.g. another eval split). */
  readonly adjust?: (c: DinoR1Config) => DinoR1Config;
  /** Plugins beside the built-in ones and the run's own `plugins` files (`--plugin FILE`). */
  readonly plugins?: readonly Plugin[];
  /** `--backend`: over `DINO_R1_BACKEND` over the run's `backend`. */
  readonly backend?: string;
}

export interface OpenedRun {
  readonly config: DinoR1Config;
  readonly model: Model;
  /** The step of the checkpoint whose weights were loaded. */
  readonly step: number;
  readonly backend: BackendName;
}

export async function openRun(dir: string, logger: Logger, opts: OpenRunOptions = {}): Promise<OpenedRun> {
  const config = (opts.adjust ?? ((c) => c))(readRunConfig(dir));
  const backend = await initBackend(backendPreference(opts.backend, config.backend), { logger });
  const model = buildModel(config, logger, await runPlugins(config, opts.plugins));
  return { config, model, step: loadRunWeights(dir, model), backend };
}
