/**
 * `dino-r1 train`: one training run (DESIGN.md §9). The last line printed is `run: <directory>`.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DinoR1ConfigInput } from '@dino-r1/core';
import { parseDataSpec } from '../pipeline/data';
import { readRunConfig } from '../pipeline/model';
import { summaryTable, trainRun } from '../pipeline/run';
import { configFrom, integer } from './args';

export const TRAIN_USAGE = `usage: dino-r1 train [--config FILE | --preset NAME] [--data SPEC] [--eval-data SPEC] [--steps N]
                     [--objective sft|sft+grqo] [--seed N] [--out DIR] [--resume] [--pictures N] [--quiet]

Trains a DINO-R1 detector, evaluates it with a prompt bank on the held-out split and writes a run
directory: config.json, metrics.jsonl, checkpoint-N.safetensors (+ .optim.safetensors, .json),
prompt-bank.safetensors, eval.json ({"stats": [12 COCO numbers], …}), plots/, predictions/.

  --preset NAME     demo (default: tiny model, synthetic data, < 15 min on 2 cores), tiny, paper
  --config FILE     a JSON config (see README); presets are complete configs
  --data SPEC       training data, READER:SOURCE[?k=v&…], e.g. synthetic:train?images=2000,
                    odinw:../shared/data/odinw/Packages?split=train, coco:annotations.json
  --eval-data SPEC  held-out data (default: the config's data.eval)
  --out DIR         run directory (default runs/<preset>-<time>)
  --resume          continue the run in --out from its newest complete checkpoint (bit-exact)
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
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TRAIN_USAGE);
    return 0;
  }
  const out =
    values.out ?? join('runs', `${values.preset ?? (values.config ? 'config' : 'demo')}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const config =
    values.resume && !values.config && !values.preset
      ? readRunConfig(out)
      : configFrom(values, (c) => {
          const o: DinoR1ConfigInput = { ...c, train: { ...c.train }, data: { ...c.data } };
          const steps = integer(values.steps, 'steps');
          const seed = integer(values.seed, 'seed');
          if (steps !== undefined) o.train!.steps = steps;
          if (seed !== undefined) o.seed = seed;
          if (values.objective) o.objective = values.objective as never;
          if (values.data) o.data!.train = parseDataSpec(values.data);
          if (values['eval-data']) o.data!.eval = parseDataSpec(values['eval-data']);
          return o;
        });
  const result = await trainRun({ config, outDir: out, resume: values.resume, quiet: values.quiet, pictures: integer(values.pictures, 'pictures') ?? 4 });
  if (!values.quiet) process.stdout.write(`\n${summaryTable(result, config)}\n`);
  process.stdout.write(`run: ${result.dir}\n`);
  return result.interrupted ? 130 : 0;
}
