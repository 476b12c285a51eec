/**
 * One training run (DESIGN.md §9): trains the configured detector with the configured objective, logs
 * `metrics.jsonl`, checkpoints atomically (and on Ctrl-C), evaluates with a prompt bank on the held-out
 * split, and leaves a run directory with `config.json`, checkpoints, `prompt-bank.safetensors`,
 * `eval.json`, `plots/*.png|svg` and `predictions/*.png`.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  backendPreference,
  configDifferences,
  initBackend,
  silentLogger,
  stderrLogger,
  TOKENS,
  type DinoR1Config,
  type Logger,
  type MetricsSink,
  type Plugin,
} from '@dino-r1/core';
import { disposeBatch, type Batch } from '@dino-r1/datasets';
import {
  JsonlMetricsSink,
  latestCheckpoint,
  NegativePromptPool,
  RESUMABLE_FIELDS,
  Trainer,
  trainerComponents,
  writeFileAtomic,
  type DetectorBatch,
  type TrainingStream,
} from '@dino-r1/grqo';
import { makeLoaders, readDataset, formatDataSpec } from './data';
import { evaluateWithBank, COCO_STAT_NAMES, type EvalResult } from './evaluate';
import { initialiseWeights } from './init-weights';
import { buildModel, readRunConfig, runPlugins } from './model';
import { extractPromptBank, savePromptBank, type PromptBank } from './prompt-bank';
import { formatSeconds, Progress } from './progress';
import { writeChart, seriesOf } from './plots';
import { drawPredictions } from './pictures';

export interface RunOptions {
  readonly config: DinoR1Config;
  readonly outDir: string;
  /**
   * Continue the run in `outDir` from its newest complete checkpoint. The run's `config.json` must equal
   * `config` except for `train.steps` (which extends or shortens what is left to train; recorded in
   * `resumes.jsonl`) and `backend`; any other difference is an error naming the fields.
   */
  readonly resume?: boolean;
  /** The tfjs backend (`--backend`): over `DINO_R1_BACKEND` over `config.backend`. */
  readonly backend?: string;
  /** Quiet: no progress bars or summary (for `compare` and tests). */
  readonly quiet?: boolean;
  /** Plugins after the built-in ones and the config's `plugins` files (a later binding wins). */
  readonly plugins?: readonly Plugin[];
  /** Pictures of predictions to draw at the end (0: none). */
  readonly pictures?: number;
  /** Plots at the end. */
  readonly plots?: boolean;
}

export interface RunResult {
  readonly dir: string;
  readonly steps: number;
  readonly seconds: number;
  readonly eval: EvalResult | null;
  readonly interrupted: boolean;
}

function readMetrics(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Refuses a resume that would change the run's result; records an explicit change of `train.steps`. */
function checkResume(dir: string, config: DinoR1Config, logger: Logger): void {
  const previous = readRunConfig(dir);
  const changed = configDifferences(previous, config, RESUMABLE_FIELDS);
  if (changed.length)
    throw new Error(
      `${dir}: --resume continues the run's own config (config.json); refusing to change ${changed
        .map((d) => `${d.field} (${JSON.stringify(d.from)} → ${JSON.stringify(d.to)})`)
        .join(', ')}. Only --steps may change (it extends training); start a new run for anything else.`,
    );
  const at = latestCheckpoint(dir)?.step ?? 0;
  if (config.train.steps < at) throw new Error(`${dir}: --steps ${config.train.steps} is below the newest checkpoint's step ${at}`);
  if (config.train.steps !== previous.train.steps) {
    logger.info(`train.steps ${previous.train.steps} → ${config.train.steps} (recorded in resumes.jsonl)`);
    appendFileSync(
      join(dir, 'resumes.jsonl'),
      `${JSON.stringify({ at: new Date().toISOString(), step: at, field: 'train.steps', from: previous.train.steps, to: config.train.steps })}\n`,
    );
  }
}

export async function trainRun(opts: RunOptions): Promise<RunResult> {
  const dir = resolve(opts.outDir);
  const logger: Logger = opts.quiet ? silentLogger : stderrLogger;
  mkdirSync(dir, { recursive: true });
  if (!opts.resume && existsSync(join(dir, 'metrics.jsonl')))
    throw new Error(`${dir} already holds a run (metrics.jsonl); pass --resume to continue it or choose another --out`);
  if (opts.resume && existsSync(join(dir, 'config.json'))) checkResume(dir, opts.config, logger);
  const backend = await initBackend(backendPreference(opts.backend, opts.config.backend), { logger });
  // the run records the backend it used: `eval --checkpoint` and `--resume` pick the same one by default
  const config: DinoR1Config = { ...opts.config, backend };
  const model = buildModel(config, logger, await runPlugins(config, opts.plugins), dir);
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  // a fresh run starts from the configured pretrained weights; a resumed one from its checkpoint
  if (!(opts.resume && latestCheckpoint(dir))) {
    const init = initialiseWeights(model, config, logger);
    if (init) writeFileAtomic(join(dir, 'init.json'), `${JSON.stringify(init, null, 2)}\n`);
  }
  const { container, detector } = model;
  const [trainSet, evalSet] = [await readDataset(container, config.data.train, 'data.train'), await readDataset(container, config.data.eval, 'data.eval')];
  const loaders = makeLoaders(config, trainSet, evalSet, model.padMultiple, (file, e) => logger.warn(`skipping unreadable image ${file}: ${e.message}`));
  const categoryIds = trainSet.categories.map((c) => c.id);
  const evaluate = async (label: string): Promise<{ bank: PromptBank; result: EvalResult }> => {
    const bankBar = opts.quiet ? null : new Progress(`${label}: prompt bank`, loaders.bank.order(0).length, 'img');
    const bank = await extractPromptBank(detector, loaders.bank, categoryIds, (n) => bankBar?.update(n));
    const evalBar = opts.quiet ? null : new Progress(`${label}: evaluate ${evalSet.name}`, evalSet.images.length, 'img');
    const result = await evaluateWithBank(detector, loaders.eval, bank, { keep: opts.pictures ?? 0, onBatch: (n) => evalBar?.update(n) });
    return { bank, result };
  };
  const total = config.train.steps;
  // metrics.jsonl, then every MetricsSink a plugin binds (a dashboard, a tracker)
  const sinks: MetricsSink[] = [new JsonlMetricsSink(join(dir, 'metrics.jsonl')), ...container.getAll(TOKENS.MetricsSink, { optional: true })];
  const closeSinks = () => Promise.all(sinks.map((s) => s.close()));
  const trainer = new Trainer<DetectorBatch>({
    config,
    model: model.policy,
    ...trainerComponents(container),
    negatives: config.data.negativePrompts > 0 ? new NegativePromptPool(config.data.negativePrompts) : undefined,
    sinks,
    runDir: dir,
    // held-out AP during training; the final evaluation (with the saved bank and pictures) follows training
    evaluate: async (step) => {
      if (step >= total) return null;
      const { result } = await evaluate(`step ${step}`);
      if (!opts.quiet) logger.info(`step ${step}: AP ${result.named.AP.toFixed(3)}, AP50 ${result.named.AP50.toFixed(3)}`);
      return Object.fromEntries(COCO_STAT_NAMES.map((n, i) => [n, result.stats[i]]));
    },
  });
  if (opts.resume) {
    const step = trainer.resume();
    logger.info(step === null ? `no checkpoint in ${dir}: starting from step 0` : `resumed ${dir} at step ${step}`);
  }

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    logger.warn(
      `interrupt: finishing this step, writing a checkpoint, then stopping${config.grqo.iterations > 1 ? " (after the last of the batch's grqo.iterations passes)" : ''} (Ctrl-C again to abort)`,
    );
  };
  process.on('SIGINT', onSigint);
  const t0 = Date.now();
  const bar = opts.quiet ? null : new Progress(`train ${config.objective}`, total, 'step');
  logger.info(
    `training ${detector.parameterCount().toLocaleString('en')} parameters on ${trainSet.name} (${loaders.train.order(0).length} images, ${config.train.batchSize}/batch), ${total} steps; run directory ${dir}`,
  );
  const stream: TrainingStream<DetectorBatch> = {
    batchesPerEpoch: loaders.train.batchesPerEpoch(),
    from: (start) => loaders.train.stream(start) as AsyncIterator<DetectorBatch>,
    release: (b) => disposeBatch(b as unknown as Batch),
  };
  try {
    await trainer.fit(stream, total, { onStep: (r) => bar?.update(r.step, `loss ${r.loss.toFixed(3)}`), shouldStop: () => interrupted });
    if (!existsSync(join(dir, `checkpoint-${trainer.step}.json`))) trainer.checkpoint(); // fit may have written it (checkpointEvery)
  } finally {
    process.off('SIGINT', onSigint);
  }
  const trainSeconds = (Date.now() - t0) / 1000;
  if (interrupted) {
    logger.warn(`stopped at step ${trainer.step}; checkpoint-${trainer.step} written. Continue with --resume.`);
    trainer.dispose();
    model.policy.dispose();
    await closeSinks();
    return { dir, steps: trainer.step, seconds: trainSeconds, eval: null, interrupted: true };
  }

  const { bank, result } = await evaluate('final');
  savePromptBank(bank, join(dir, 'prompt-bank.safetensors'));
  trainer.log({ step: trainer.step, ...Object.fromEntries(COCO_STAT_NAMES.map((n, i) => [`eval.${n}`, result.stats[i]])) });
  writeFileAtomic(
    join(dir, 'eval.json'),
    `${JSON.stringify({ stats: result.stats, named: result.named, perCategory: result.perCategory, step: trainer.step, dataset: formatDataSpec(config.data.eval), bankImages: loaders.bank.order(0).length }, null, 2)}\n`,
  );
  if (opts.plots ?? true) await writePlots(dir);
  if ((opts.pictures ?? 0) > 0) await drawPredictions(detector, loaders, result, trainSet, join(dir, 'predictions'), model.padMultiple);
  trainer.dispose();
  model.policy.dispose();
  await closeSinks();
  return { dir, steps: trainer.step, seconds: trainSeconds, eval: result, interrupted: false };
}

export async function writePlots(dir: string): Promise<void> {
  const records = readMetrics(join(dir, 'metrics.jsonl'));
  const plots = join(dir, 'plots');
  mkdirSync(plots, { recursive: true });
  const keys = (re: RegExp) => [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => re.test(k));
  await writeChart(join(plots, 'losses'), 'losses (running mean)', seriesOf(records, ['loss', 'sft', 'grqo', 'loss_cls', 'loss_bbox', 'loss_giou'], 5));
  await writeChart(join(plots, 'rewards'), 'reward and advantage statistics', seriesOf(records, keys(/^(reward|advantage)/), 5));
  await writeChart(join(plots, 'kl'), 'KL to the anchor (k3)', seriesOf(records, ['kl'], 5));
  await writeChart(join(plots, 'ap'), 'held-out AP over training', seriesOf(records, ['eval.AP', 'eval.AP50', 'eval.AP75']));
  await writeChart(join(plots, 'throughput'), 'images per second', seriesOf(records, ['images_per_s'], 5));
}

/** The short table printed at the end of a run. */
export function summaryTable(r: RunResult, config: DinoR1Config): string {
  const rows: Array<[string, string]> = [
    ['objective', config.objective],
    ['steps', `${r.steps} × ${config.train.batchSize} images`],
    ['training time', `${formatSeconds(r.seconds)} (${(r.seconds / Math.max(1, r.steps)).toFixed(2)} s/step)`],
    ['eval data', formatDataSpec(config.data.eval)],
  ];
  if (r.eval) for (const n of ['AP', 'AP50', 'AP75', 'APs', 'APm', 'AR100']) rows.push([n, r.eval.named[n].toFixed(3)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(Math.max(...rows.map(([, v]) => v.length)) + 2)}+`;
  return [line, ...rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v.padEnd(line.length - w - 7)} |`), line].join('\n');
}
