/**
 * `dino-r1 eval --checkpoint DIR …`: evaluates a run's newest checkpoint with visual prompts on held-out
 * data — with any registered evaluator (`coco`, `lvis`, a plugin's) on one dataset, or with the ODinW
 * protocol over a folder of datasets. Prompts are the run's bank, or banks from a support split (all its
 * instances, or K-shot draws over seeds).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveNamed, stderrLogger, toCocoJson, TOKENS } from '@dino-r1/core';
import { odinwDatasets, odinwSummaryText, summariseOdinw, type OdinwDatasetResult, type OdinwSummary } from '@dino-r1/evaluators';
import { writeFileAtomic } from '@dino-r1/grqo';
import type { DetectionDataset, DinoR1Config, Evaluator } from '@dino-r1/core';
import { formatDataSpec, makeLoaders, parseDataSpec, readDataset, type DataSpec } from '../pipeline/data';
import { evaluateWithBank, type EvalResult } from '../pipeline/evaluate';
import { openRun, type Model } from '../pipeline/model';
import { extractInstanceEmbeddings, extractPromptBank, kShotBank, loadPromptBank, meanBank, type PromptBank } from '../pipeline/prompt-bank';
import { Progress } from '../pipeline/progress';
import { mean, sampleSd } from '../pipeline/stats';
import { integer, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, pluginsOf, required, UsageError } from './args';

export const EVAL_RUN_USAGE = `usage: dino-r1 eval --checkpoint DIR [--data SPEC] [--evaluator coco|lvis|odinw] [--json]
                    [--bank FILE | --support SPEC | --support-split NAME] [--shots K|all [--shots-seeds 0,1,2]]
                    [--results FILE] [--gt-out FILE] [--plugin FILE]... [--backend NAME]

Evaluates the newest complete checkpoint of run directory DIR on SPEC (default: the run's data.eval).
The prompts are the run's prompt bank (DIR/prompt-bank.safetensors, or --bank FILE, or extracted now from
the run's training data), unless --shots or --support takes them from a support split.
The run's own plugin files (config.json plugins) are loaded; --plugin adds more.

  --evaluator NAME  coco (default): pycocotools' 12 numbers. lvis: lvis-api's (federated, 300 detections
                    per image), SPEC read by the lvis reader, e.g. lvis:minival.json?imagesDir=val2017.
                    Or any evaluator a plugin registers. odinw: SPEC is odinw:ROOT[?split=test], a folder
                    of ODinW datasets; each is prompted from its own --support-split and scored with COCO
                    AP; prints per-dataset AP and the ODinW-13/35 means with the names present and missing
  --support SPEC    prompts from SPEC's instances (the default with --shots: the run's data.train), its
                    first data.bankImages annotated images; with --support alone every instance is used
  --support-split NAME
                    odinw: the split of each dataset the prompts come from (default train)
  --shots K         K-shot prompts: per category the mean embedding of K instances drawn from the support
                    split, once per --shots-seeds seed (default 0,1,2); prints each draw and the mean and
                    sd over draws. K = all: every instance (one draw)
  --results FILE    write every detection as a results json ([{image_id, category_id, bbox, score}],
                    original pixels): 'dino-r1 eval coco|lvis --gt … --dt FILE' gives the same numbers;
                    with odinw FILE is a folder of <Dataset>.json for 'dino-r1 eval odinw --dt FILE'.
                    One prompt draw only
  --gt-out FILE     write the evaluated ground truth as COCO json (for data without an annotation file,
                    e.g. synthetic) to use as --gt

${MODEL_OPTIONS_USAGE}`;

/** One prompt bank to evaluate with: `seed` null for the run's bank or every support instance. */
interface Draw {
  readonly seed: number | null;
  readonly bank: PromptBank;
}

interface Prompting {
  /** `undefined`: the run's own bank (or `--bank`); otherwise banks from a support split. */
  readonly shots?: number | 'all';
  readonly seeds: readonly number[];
}

export async function evalRunCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      checkpoint: { type: 'string' },
      data: { type: 'string' },
      evaluator: { type: 'string', default: 'coco' },
      bank: { type: 'string' },
      json: { type: 'boolean', default: false },
      results: { type: 'string' },
      'gt-out': { type: 'string' },
      shots: { type: 'string' },
      'shots-seeds': { type: 'string' },
      support: { type: 'string' },
      'support-split': { type: 'string' },
      ...MODEL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(EVAL_RUN_USAGE);
    return 0;
  }
  const dir = required(values, 'checkpoint', EVAL_RUN_USAGE);
  const odinw = values.evaluator === 'odinw';
  const shotsK = values.shots === undefined ? undefined : values.shots === 'all' ? 'all' : integer(values.shots, 'shots', 1)!;
  if (values['shots-seeds'] !== undefined && typeof shotsK !== 'number') throw new UsageError('--shots-seeds goes with --shots K');
  if (odinw && values.support !== undefined) throw new UsageError('--evaluator odinw prompts each dataset from its own --support-split, not --support');
  if (!odinw && values['support-split'] !== undefined) throw new UsageError('--support-split goes with --evaluator odinw');
  if (values.bank && (shotsK !== undefined || values.support !== undefined || odinw))
    throw new UsageError('--bank gives the prompts: not with --shots, --support or --evaluator odinw');
  const seeds = typeof shotsK === 'number' ? (values['shots-seeds'] ?? '0,1,2').split(',').map((v) => integer(v.trim(), 'shots-seeds')!) : [];
  const fromSupport = shotsK !== undefined || values.support !== undefined || odinw;
  const prompting: Prompting = { shots: fromSupport ? (shotsK ?? 'all') : undefined, seeds };
  if (values.results && seeds.length > 1) throw new UsageError('--results writes the detections of one prompt draw: give one --shots-seeds seed');
  if (odinw && values['gt-out']) throw new UsageError('--gt-out: the ODinW datasets have their annotation files already');

  const { config, model, step } = await openRun(dir, stderrLogger, { plugins: await pluginsOf(values), backend: values.backend });
  const common = { dir, config, model, step, json: values.json, results: values.results, prompting };
  if (odinw) {
    if (!values.data) throw new UsageError('--evaluator odinw needs --data odinw:ROOT[?split=test], a folder of ODinW datasets');
    process.stdout.write(await odinwReport({ ...common, spec: parseDataSpec(values.data), supportSplit: values['support-split'] ?? 'train' }));
    return 0;
  }
  const factory = resolveNamed(model.container, TOKENS.EvaluatorFactory, values.evaluator, '--evaluator');
  const evalSpec = values.data ? parseDataSpec(values.data) : config.data.eval;
  const supportSpec = values.support ? parseDataSpec(values.support) : config.data.train;
  const [support, evalSet] = [
    await readDataset(model.container, supportSpec, values.support ? '--support' : 'data.train'),
    await readDataset(model.container, evalSpec, '--data'),
  ];
  const draws = await promptDraws(common, support, evalSet, values.bank);
  const evaluated: EvalResult[] = [];
  for (const draw of draws) evaluated.push(await evaluateDraw(common, support, evalSet, draw, () => factory.create(evalSet), values.results !== undefined));
  if (values.results) writeFileAtomic(values.results, `${JSON.stringify(evaluated[0].results)}\n`);
  if (values['gt-out']) writeFileAtomic(values['gt-out'], `${JSON.stringify(toCocoJson(evalSet))}\n`);
  if (prompting.shots === undefined) {
    const r = evaluated[0];
    process.stdout.write(values.json ? `${JSON.stringify({ stats: r.stats, named: r.named, per_category_ap: r.perCategory, step })}\n` : `${r.text}\n`);
  } else {
    const runs = draws.map((d, i) => ({ seed: d.seed, stats: evaluated[i].stats, named: evaluated[i].named }));
    process.stdout.write(drawsReport(runs, { ...prompting, json: values.json, step, support: formatDataSpec(supportSpec), evaluator: factory.name }));
  }
  return 0;
}

interface Common {
  readonly dir: string;
  readonly config: DinoR1Config;
  readonly model: Model;
  readonly step: number;
  readonly json: boolean;
  readonly results?: string;
  readonly prompting: Prompting;
}

const loadersOf = (c: Common, support: DetectionDataset, evalSet: DetectionDataset) =>
  makeLoaders(c.config, support, evalSet, c.model.padMultiple, (f, e) => stderrLogger.warn(`skipping unreadable image ${f}: ${e.message}`));

/**
 * The prompt banks to evaluate with. The run's own: its saved bank, `--bank`, or one extracted now from
 * data.train. From a support split: its instance embeddings once, then every instance averaged (`all`)
 * or, per shot seed, K drawn instances per category of the evaluated data.
 */
async function promptDraws(c: Common, support: DetectionDataset, evalSet: DetectionDataset, bankFile?: string): Promise<Draw[]> {
  const { detector } = c.model;
  const loaders = loadersOf(c, support, evalSet);
  const { shots, seeds } = c.prompting;
  if (shots === undefined) {
    const file = bankFile ?? join(c.dir, 'prompt-bank.safetensors');
    const bank = existsSync(file)
      ? loadPromptBank(file)
      : await extractPromptBank(
          detector,
          loaders.bank,
          support.categories.map((cat) => cat.id),
        );
    const missing = evalSet.categories.filter((cat) => !bank.categoryIds.includes(cat.id));
    if (missing.length)
      throw new Error(
        `the prompt bank has no prompt for categories ${missing.map((m) => `${m.id} (${m.name})`).join(', ')} of ${evalSet.name}: give --support SPEC or --shots K`,
      );
    return [{ seed: null, bank }];
  }
  const ids = evalSet.categories.map((cat) => cat.id);
  const bar = new Progress(`support instances (${support.name})`, loaders.bank.order(0).length, 'img');
  const instances = await extractInstanceEmbeddings(detector, loaders.bank, ids, (n) => bar.update(n));
  if (shots === 'all') return [{ seed: null, bank: meanBank(instances, ids, detector.embeddingDim) }];
  return seeds.map((seed) => ({ seed, bank: kShotBank(instances, ids, detector.embeddingDim, shots, seed) }));
}

function evaluateDraw(
  c: Common,
  support: DetectionDataset,
  evalSet: DetectionDataset,
  draw: Draw,
  evaluator: () => Evaluator,
  collect: boolean,
): Promise<EvalResult> {
  const label = draw.seed === null ? (c.prompting.shots === 'all' ? ', all shots' : '') : `, ${c.prompting.shots}-shot seed ${draw.seed}`;
  const bar = new Progress(`evaluate ${evalSet.name} (step ${c.step}${label})`, evalSet.images.length, 'img');
  return evaluateWithBank(c.model.detector, loadersOf(c, support, evalSet).eval, draw.bank, { evaluator: evaluator(), collect, onBatch: (n) => bar.update(n) });
}

/** Each draw's first three numbers, then the mean and sample standard deviation of every number over draws. */
function drawsReport(
  runs: ReadonlyArray<{ seed: number | null; stats: number[]; named: Record<string, number> }>,
  o: Prompting & { json: boolean; step: number; support: string; evaluator: string },
): string {
  const column = (i: number) => runs.map((r) => r.stats[i]);
  const means = runs[0].stats.map((_, i) => mean(column(i)));
  const sds = runs[0].stats.map((_, i) => sampleSd(column(i)));
  if (o.json) return `${JSON.stringify({ evaluator: o.evaluator, shots: o.shots, support: o.support, step: o.step, runs, mean: means, sd: sds })}\n`;
  const names = Object.keys(runs[0].named).slice(0, 3);
  const cells = (v: readonly number[]) => [0, 1, 2].map((i) => v[i].toFixed(3).padStart(6)).join(' ');
  return [
    `${o.shots}-shot prompts from ${o.support} (step ${o.step}, ${o.evaluator}), ${runs.length} draw${runs.length > 1 ? 's' : ''}`,
    `seed   ${names.map((n) => n.padStart(6)).join(' ')}`,
    ...runs.map((r) => `${String(r.seed ?? 'all').padEnd(6)} ${cells(r.stats)}`),
    `mean   ${cells(means)}`,
    `sd     ${cells(sds)}`,
    '',
  ].join('\n');
}

/**
 * The ODinW protocol on a checkpoint: every dataset folder under ROOT that holds the evaluated split and
 * the support split is prompted from its support split and scored with COCO AP; per draw the per-dataset
 * table and the ODinW-13/35 means (a listed dataset not evaluated is named as missing, never counted as 0).
 */
async function odinwReport(c: Common & { spec: DataSpec; supportSplit: string }): Promise<string> {
  const { spec, supportSplit } = c;
  if (spec.reader !== 'odinw') throw new UsageError(`--evaluator odinw reads --data odinw:ROOT[?split=test], got reader '${spec.reader}'`);
  const extra = Object.keys(spec.options).filter((k) => k !== 'split');
  if (extra.length) throw new UsageError(`--data ${formatDataSpec(spec)}: with --evaluator odinw the only option is split, got ${extra.join(', ')}`);
  const split = spec.options.split === undefined ? 'test' : String(spec.options.split);
  const root = spec.source;
  const names = odinwDatasets(root, split).filter((name) => {
    const ok = existsSync(join(root, name, supportSplit, '_annotations.coco.json'));
    if (!ok) stderrLogger.warn(`odinw: ${name} has no ${supportSplit} split for its prompts: not evaluated`);
    return ok;
  });
  if (!names.length) throw new Error(`${root}: no dataset folder holds ${split}/_annotations.coco.json and ${supportSplit}/_annotations.coco.json`);
  const coco = resolveNamed(c.model.container, TOKENS.EvaluatorFactory, 'coco', '--evaluator');
  if (c.results) mkdirSync(c.results, { recursive: true });
  const perDraw: OdinwDatasetResult[][] = [];
  let seeds: Array<number | null> = [];
  for (const name of names) {
    const read = (s: string) => readDataset(c.model.container, { reader: 'odinw', source: join(root, name), options: { split: s } }, '--data');
    const [support, evalSet] = [await read(supportSplit), await read(split)];
    let draws: Draw[];
    try {
      draws = await promptDraws(c, support, evalSet);
    } catch (e) {
      throw new Error(`odinw ${name}: ${(e as Error).message}`);
    }
    seeds = draws.map((d) => d.seed);
    for (const [i, draw] of draws.entries()) {
      const r = await evaluateDraw(c, support, evalSet, draw, () => coco.create(evalSet), c.results !== undefined);
      (perDraw[i] ??= []).push({ name, stats: r.stats });
      if (c.results) writeFileAtomic(join(c.results, `${name}.json`), `${JSON.stringify(r.results)}\n`);
    }
  }
  const summaries = perDraw.map(summariseOdinw);
  const lists = ['odinw13', 'odinw35', 'all'] as const;
  const over = (f: (s: OdinwSummary) => number) => ({ mean: mean(summaries.map(f)), sd: sampleSd(summaries.map(f)) });
  const spread = Object.fromEntries(lists.map((l) => [l, over((s) => s.means[l].mean)]));
  const header = { evaluator: 'odinw', root, split, supportSplit, shots: c.prompting.shots, step: c.step };
  if (c.json)
    return `${JSON.stringify({ ...header, runs: summaries.map((s, i) => ({ seed: seeds[i], ...s })), ...(summaries.length > 1 ? { spread } : {}) })}\n`;
  const blocks = summaries.map(
    (s, i) =>
      `ODinW ${split} (step ${c.step}), prompts from each dataset's ${supportSplit} split, ${c.prompting.shots === 'all' ? 'every instance' : `${c.prompting.shots}-shot seed ${seeds[i]}`}\n${odinwSummaryText(s)}`,
  );
  if (summaries.length > 1)
    blocks.push(lists.map((l) => ` mean AP over draws, ${l.padEnd(8)} ${spread[l].mean.toFixed(3)} ± ${spread[l].sd.toFixed(3)} (sd)`).join('\n'));
  return `${blocks.join('\n\n')}\n`;
}
