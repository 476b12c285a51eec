/**
 * `dino-r1 train`: one training run (DESIGN.md §9). The last line printed is `run: <directory>`.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig, type DinoR1Config, type DinoR1ConfigInput } from '@dino-r1/core';
import { parseDataSpec } from '../pipeline/data';
import { readRunConfig } from '../pipeline/model';
import { summaryTable, trainRun } from '../pipeline/run';
import { configFrom, integer, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, UsageError, withPluginFiles } from './args';

export const TRAIN_USAGE = `usage: dino-r1 train [--config FILE | --preset NAME] [--data SPEC] [--eval-data SPEC] [--steps N]
                     [--objective sft|sft+grqo] [--seed N] [--out DIR] [--resume] [--pictures N] [--quiet]
                     [--backbone-weights FILE | --init-from FILE] [--plugin FILE]... [--backend NAME]

Trains a DINO-R1 detector, evaluates it with a prompt bank on the held-out split and writes a run
directory: config.json, metrics.jsonl, checkpoint-N.safetensors (+ .optim.safetensors, .json),
prompt-bank.safetensors, eval.json ({"stats": [12 COCO numbers], …}), plots/, predictions/.

  --preset NAME     demo (default: tiny model, synthetic data, < 15 min on 2 cores), tiny, odinw (fine-tune on a
                    COCO-format folder; default ../shared/data/odinw/Aquarium), paper
  --config FILE     a JSON config (see README); presets are complete configs
  --data SPEC       training data, READER:SOURCE[?k=v&…], e.g. synthetic:train?images=2000,
                    odinw:../shared/data/odinw/Packages?split=train, coco:annotations.json
  --eval-data SPEC  held-out data (default: the config's data.eval)
  --out DIR         run directory (default runs/<preset>-<time>)
  --resume          continue the run in --out from its newest complete checkpoint (bit-exact) with the
                    run's own config.json; --steps N extends it (recorded in resumes.jsonl); any other
                    change (--seed, --data, --objective, another --config …) is refused, naming the fields
  --backbone-weights FILE
                    start the backbone from a pretrained checkpoint (dinov2: official torch-hub or Hugging
                    Face names, safetensors); the report goes to init.json (config: model.backboneWeights)
  --init-from FILE  start the whole detector from a checkpoint (a run's checkpoint-N.safetensors, or a
                    PyTorch state_dict with the same names); non-strict, reported (config: model.initFrom)
  --pictures N      prediction pictures to draw at the end (default 4)
  --quiet           no progress bars or summary
${MODEL_OPTIONS_USAGE}  --plugin files are recorded in the run's config.json (plugins), so eval and resume load them again.
  Ctrl-C writes a checkpoint and stops; --resume continues from it.
`;

export async function trainCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      preset: { type: 'string' },
      data: { type: 'string' },
      'eval-data': { type: 'string' },
      steps: { type: 'string' },
      objective: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean', default: false },
      pictures: { type: 'string' },
      'backbone-weights': { type: 'string' },
      'init-from': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      ...MODEL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TRAIN_USAGE);
    return 0;
  }
  const out =
    values.out ?? join('runs', `${values.preset ?? (values.config ? 'config' : 'demo')}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const steps = integer(values.steps, 'steps', 1);
  const seed = integer(values.seed, 'seed');
  const pictures = integer(values.pictures, 'pictures') ?? 4;
  const overrides = (c: DinoR1ConfigInput): DinoR1ConfigInput => {
    const o: DinoR1ConfigInput = { ...c, model: { ...c.model }, train: { ...c.train }, data: { ...c.data } };
    if (values['backbone-weights']) o.model!.backboneWeights = resolve(values['backbone-weights']);
    if (values['init-from']) o.model!.initFrom = resolve(values['init-from']);
    if (steps !== undefined) o.train!.steps = steps;
    if (seed !== undefined) o.seed = seed;
    if (values.objective) o.objective = values.objective as never;
    if (values.data) o.data!.train = parseDataSpec(values.data);
    if (values['eval-data']) o.data!.eval = parseDataSpec(values['eval-data']);
    return withPluginFiles(o, values.plugin);
  };
  let config: DinoR1Config;
  if (values.resume && !values.config && !values.preset) {
    // the run's own config with the command line on top; trainRun refuses any change but train.steps
    if (!existsSync(join(out, 'config.json')))
      throw new UsageError(`--resume: ${out} has no config.json; give --out the run directory, or --config/--preset to start one there`);
    config = parseConfig(overrides(readRunConfig(out) as DinoR1ConfigInput), '--resume');
  } else config = configFrom(values, overrides);
  const result = await trainRun({ config, outDir: out, resume: values.resume, quiet: values.quiet, pictures, backend: values.backend });
  if (!values.quiet) process.stdout.write(`\n${summaryTable(result, config)}\n`);
  process.stdout.write(`run: ${result.dir}\n`);
  return result.interrupted ? 130 : 0;
}
