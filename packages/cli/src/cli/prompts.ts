/** `dino-r1 prompts extract`: the per-category prompt bank of a trained run, from a data split. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stderrLogger } from '@dino-r1/core';
import { makeLoaders, parseDataSpec, readDataset } from '../pipeline/data';
import { openRun } from '../pipeline/model';
import { extractPromptBank, savePromptBank } from '../pipeline/prompt-bank';
import { Progress } from '../pipeline/progress';
import { integer, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, pluginsOf, required } from './args';

export const PROMPTS_USAGE = `usage: dino-r1 prompts extract --checkpoint DIR [--data SPEC] [--images N] [--out FILE]
                               [--plugin FILE]... [--backend NAME]

Runs the visual prompt encoder of the run's newest checkpoint on every GT box of SPEC (default: the
run's training data; the first N annotated images, default the run's data.bankImages) and writes the
per-category mean embeddings (safetensors: 'embeddings' [C,d], metadata category_ids, counts) to FILE
(default DIR/prompt-bank.safetensors). 'dino-r1 eval --checkpoint DIR' uses it.

${MODEL_OPTIONS_USAGE}`;

export async function promptsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      checkpoint: { type: 'string' },
      data: { type: 'string' },
      images: { type: 'string' },
      out: { type: 'string' },
      ...MODEL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || sub === '--help' || sub === '-h') {
    process.stdout.write(PROMPTS_USAGE);
    return 0;
  }
  if (sub !== 'extract') throw new Error(`unknown subcommand 'prompts ${sub ?? ''}'\n\n${PROMPTS_USAGE}`);
  const dir = required(values, 'checkpoint', PROMPTS_USAGE);
  const images = integer(values.images, 'images', 1);
  const { config, model } = await openRun(dir, stderrLogger, {
    adjust: (c) => (images !== undefined ? { ...c, data: { ...c.data, bankImages: images } } : c),
    plugins: await pluginsOf(values),
    backend: values.backend,
  });
  const data = await readDataset(model.container, values.data ? parseDataSpec(values.data) : config.data.train, '--data');
  const loaders = makeLoaders(config, data, data, model.padMultiple, (f, e) => stderrLogger.warn(`skipping unreadable image ${f}: ${e.message}`));
  const bar = new Progress('prompt bank', loaders.bank.order(0).length, 'img');
  const bank = await extractPromptBank(
    model.detector,
    loaders.bank,
    data.categories.map((c) => c.id),
    (n) => bar.update(n),
  );
  const out = values.out ?? join(dir, 'prompt-bank.safetensors');
  savePromptBank(bank, out);
  const names = new Map(data.categories.map((c) => [c.id, c.name]));
  for (const [i, c] of bank.categoryIds.entries())
    process.stdout.write(`${String(c).padStart(4)}  ${(names.get(c) ?? '').padEnd(28)} ${bank.counts[i]} instances\n`);
  process.stdout.write(`prompt bank: ${out}\n`);
  return 0;
}
