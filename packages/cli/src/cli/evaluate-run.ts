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
import { makeLoaders, parseDataSpec, readDataset } from '../pipeline/data';
import { evaluateWithBank } from '../pipeline/evaluate';
import { openRun } from '../pipeline/model';
import { extractPromptBank, loadPromptBank } from '../pipeline/prompt-bank';
import { Progress } from '../pipeline/progress';
import { MODEL_OPTIONS, MODEL_OPTIONS_USAGE, pluginsOf, required } from './args';

export const EVAL_RUN_USAGE = `usage: dino-r1 eval --checkpoint DIR [--data SPEC] [--bank FILE] [--json] [--results FILE] [--gt-out FILE]
                    [--plugin FILE]... [--backend NAME]

Evaluates the newest complete checkpoint of run directory DIR on SPEC (default: the run's data.eval)
with closed-set prompts from the run's prompt bank (DIR/prompt-bank.safetensors, or --bank FILE, or
extracted now from the run's training data). Prints the 12 COCO numbers (pycocotools semantics).
The run's own plugin files (config.json plugins) are loaded; --plugin adds more.

  --results FILE    also write every detection as a COCO results json ([{image_id, category_id, bbox,
                    score}], original pixels): 'dino-r1 eval coco --gt … --dt FILE' gives the same numbers
  --gt-out FILE     write the evaluated ground truth as COCO json (for data without an annotation file,
                    e.g. synthetic) to use as --gt

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
  const evalSpec = values.data ? parseDataSpec(values.data) : config.data.eval;
  const [train, evalSet] = [await readDataset(model.container, config.data.train, 'data.train'), await readDataset(model.container, evalSpec, '--data')];
  const loaders = makeLoaders(config, train, evalSet, model.padMultiple, (f, e) => stderrLogger.warn(`skipping unreadable image ${f}: ${e.message}`));
  const bankFile = values.bank ?? join(dir, 'prompt-bank.safetensors');
  const bank = existsSync(bankFile)
    ? loadPromptBank(bankFile)
    : await extractPromptBank(
        model.detector,
        loaders.bank,
        train.categories.map((c) => c.id),
      );
  const missing = evalSet.categories.filter((c) => !bank.categoryIds.includes(c.id));
  if (missing.length)
    throw new Error(`the prompt bank has no prompt for categories ${missing.map((c) => `${c.id} (${c.name})`).join(', ')} of ${evalSet.name}`);
  const bar = new Progress(`evaluate ${evalSet.name} (step ${step})`, evalSet.images.length, 'img');
  const r = await evaluateWithBank(model.detector, loaders.eval, bank, { onBatch: (n) => bar.update(n), collect: values.results !== undefined });
  if (values.results) writeFileAtomic(values.results, `${JSON.stringify(r.results)}\n`);
  if (values['gt-out']) writeFileAtomic(values['gt-out'], `${JSON.stringify(toCocoJson(evalSet))}\n`);
  process.stdout.write(
    values.json ? `${JSON.stringify({ stats: r.stats, named: r.named, per_category_ap: r.perCategory, step })}\n` : `${cocoSummaryText(r.coco)}\n`,
  );
  return 0;
}
