/**
 * `dino-r1 eval --checkpoint DIR [--data SPEC]`: evaluates a run's newest checkpoint with its prompt bank
 * (or a bank extracted now from the run's training data) on held-out data; prints the COCO table or JSON.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stderrLogger } from '@dino-r1/core';
import { toCocoJson } from '@dino-r1/datasets';
import { cocoSummaryText } from '@dino-r1/evaluators';
import { writeFileAtomic } from '@dino-r1/grqo';
import type { Detector, Module } from '@dino-r1/core';
import { formatDataSpec, makeLoaders, parseDataSpec, readDataset, type Loaders } from '../pipeline/data';
import { COCO_STAT_NAMES, evaluateWithBank, type EvalResult } from '../pipeline/evaluate';
import { openRun } from '../pipeline/model';
import { extractInstanceEmbeddings, extractPromptBank, kShotBank, loadPromptBank, meanBank, type PromptBank } from '../pipeline/prompt-bank';
import { Progress } from '../pipeline/progress';
import { mean, sampleSd } from '../pipeline/stats';
import { integer, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, pluginsOf, required, UsageError } from './args';

export const EVAL_RUN_USAGE = `usage: dino-r1 eval --checkpoint DIR [--data SPEC] [--bank FILE] [--json] [--results FILE] [--gt-out FILE]
                    [--shots K|all [--shots-seeds 0,1,2] [--support SPEC]]
                    [--plugin FILE]... [--backend NAME]

Evaluates the newest complete checkpoint of run directory DIR on SPEC (default: the run's data.eval)
with closed-set prompts from the run's prompt bank (DIR/prompt-bank.safetensors, or --bank FILE, or
extracted now from the run's training data). Prints the 12 COCO numbers (pycocotools semantics).
The run's own plugin files (config.json plugins) are loaded; --plugin adds more.

  --results FILE    also write every detection as a COCO results json ([{image_id, category_id, bbox,
                    score}], original pixels): 'dino-r1 eval coco --gt … --dt FILE' gives the same numbers
  --gt-out FILE     write the evaluated ground truth as COCO json (for data without an annotation file,
                    e.g. synthetic) to use as --gt
  --shots K         K-shot prompts: per category the mean embedding of K instances drawn from the support
                    split (its first data.bankImages annotated images), once per --shots-seeds seed
                    (default 0,1,2); prints each draw and the mean and sd over draws. K = all: every instance
  --support SPEC    the support split for --shots (default: the run's data.train)

${MODEL_OPTIONS_USAGE}`;

export async function evalRunCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: 'string' },
      data: { type: 'string' },
      bank: { type: 'string' },
      json: { type: 'boolean', default: false },
      results: { type: 'string' },
      'gt-out': { type: 'string' },
      shots: { type: 'string' },
      'shots-seeds': { type: 'string' },
      support: { type: 'string' },
      ...MODEL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(EVAL_RUN_USAGE);
    return 0;
  }
  const dir = required(values, 'checkpoint', EVAL_RUN_USAGE);
  const { config, model, step } = await openRun(dir, stderrLogger, { plugins: await pluginsOf(values), backend: values.backend });
  const shots = values.shots === undefined ? undefined : values.shots === 'all' ? 'all' : integer(values.shots, 'shots', 1)!;
  if (shots === undefined && (values['shots-seeds'] !== undefined || values.support !== undefined))
    throw new UsageError('--shots-seeds and --support go with --shots K');
  if (shots !== undefined && (values.bank || values.results)) throw new UsageError('--shots builds its own banks: not with --bank or --results');
  const seeds = (values['shots-seeds'] ?? '0,1,2').split(',').map((v) => integer(v.trim(), 'shots-seeds')!);
  const evalSpec = values.data ? parseDataSpec(values.data) : config.data.eval;
  const supportSpec = values.support ? parseDataSpec(values.support) : config.data.train;
  const [train, evalSet] = [
    await readDataset(model.container, supportSpec, values.support ? '--support' : 'data.train'),
    await readDataset(model.container, evalSpec, '--data'),
  ];
  const loaders = makeLoaders(config, train, evalSet, model.padMultiple, (f, e) => stderrLogger.warn(`skipping unreadable image ${f}: ${e.message}`));
  const evaluate = async (bank: PromptBank, label: string) => {
    const missing = evalSet.categories.filter((c) => !bank.categoryIds.includes(c.id));
    if (missing.length)
      throw new Error(`the prompt bank has no prompt for categories ${missing.map((c) => `${c.id} (${c.name})`).join(', ')} of ${evalSet.name}`);
    const bar = new Progress(`evaluate ${evalSet.name} (step ${step}${label})`, evalSet.images.length, 'img');
    return evaluateWithBank(model.detector, loaders.eval, bank, { onBatch: (n) => bar.update(n), collect: values.results !== undefined });
  };
  if (shots !== undefined) {
    process.stdout.write(
      await kShotReport(model.detector, loaders, evalSet.categories, shots, seeds, evaluate, { json: values.json, step, support: formatDataSpec(supportSpec) }),
    );
    return 0;
  }
  const bankFile = values.bank ?? join(dir, 'prompt-bank.safetensors');
  const bank = existsSync(bankFile)
    ? loadPromptBank(bankFile)
    : await extractPromptBank(
        model.detector,
        loaders.bank,
        train.categories.map((c) => c.id),
      );
  const r = await evaluate(bank, '');
  if (values.results) writeFileAtomic(values.results, `${JSON.stringify(r.results)}\n`);
  if (values['gt-out']) writeFileAtomic(values['gt-out'], `${JSON.stringify(toCocoJson(evalSet))}\n`);
  process.stdout.write(
    values.json ? `${JSON.stringify({ stats: r.stats, named: r.named, per_category_ap: r.perCategory, step })}\n` : `${cocoSummaryText(r.coco)}\n`,
  );
  return 0;
}

/**
 * K-shot evaluation: the support split's instance embeddings once, then per shot seed a bank of K drawn
 * instances per category (`all`: every instance, today's bank) and an evaluation; mean and sample standard
 * deviation of the 12 COCO numbers over seeds.
 */
async function kShotReport(
  detector: Detector & Module,
  loaders: Loaders,
  categories: readonly { id: number; name: string }[],
  shots: number | 'all',
  seeds: readonly number[],
  evaluate: (bank: PromptBank, label: string) => Promise<EvalResult>,
  opts: { json: boolean; step: number; support: string },
): Promise<string> {
  const ids = categories.map((c) => c.id);
  const bar = new Progress('support instances', loaders.bank.order(0).length, 'img');
  const instances = await extractInstanceEmbeddings(detector, loaders.bank, ids, (n) => bar.update(n));
  const runs: Array<{ seed: number | null; stats: number[] }> = [];
  for (const seed of shots === 'all' ? [null] : seeds) {
    const bank = seed === null ? meanBank(instances, ids, detector.embeddingDim) : kShotBank(instances, ids, detector.embeddingDim, shots as number, seed);
    runs.push({ seed, stats: (await evaluate(bank, seed === null ? ', all shots' : `, ${shots}-shot seed ${seed}`)).stats });
  }
  const column = (i: number) => runs.map((r) => r.stats[i]);
  const means = COCO_STAT_NAMES.map((_, i) => mean(column(i)));
  const sds = COCO_STAT_NAMES.map((_, i) => sampleSd(column(i)));
  if (opts.json) return `${JSON.stringify({ shots, support: opts.support, step: opts.step, runs, mean: means, sd: sds })}\n`;
  const rows = runs.map((r) => `${String(r.seed ?? 'all').padEnd(6)} ${[0, 1, 2].map((i) => r.stats[i].toFixed(3).padStart(6)).join(' ')}`);
  return [
    `${shots}-shot prompts from ${opts.support} (step ${opts.step}), ${runs.length} draw${runs.length > 1 ? 's' : ''}`,
    'seed       AP   AP50   AP75',
    ...rows,
    `mean   ${[0, 1, 2].map((i) => means[i].toFixed(3).padStart(6)).join(' ')}`,
    `sd     ${[0, 1, 2].map((i) => sds[i].toFixed(3).padStart(6)).join(' ')}`,
    '',
  ].join('\n');
}
