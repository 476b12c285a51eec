/**
 * `dino-r1 compare`: SFT against SFT+GRQO on identical seeds (same initial weights, same batches, same
 * prompts), AP on the held-out split for each, and a table of mean ± spread over seeds.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@dino-r1/grqo';
import type { DinoR1ConfigInput } from '@dino-r1/core';
import { parseDataSpec } from '../pipeline/data';
import { trainRun } from '../pipeline/run';
import { configFrom, integer, MODEL_OPTIONS, MODEL_OPTIONS_USAGE, UsageError, withPluginFiles } from './args';
import { Progress } from '../pipeline/progress';
import { mean, sampleSd } from '../pipeline/stats';

export const COMPARE_USAGE = `usage: dino-r1 compare [--config FILE | --preset NAME] [--seeds 0,1,2] [--steps N] [--data SPEC]
                       [--eval-data SPEC] [--out DIR] [--plugin FILE]... [--backend NAME]

Trains the same configuration with objective 'sft' and with 'sft+grqo' for every seed (identical
initial weights, batches and prompts per seed), evaluates each on the held-out split and prints a table
of AP, AP50, AP75 with mean and standard deviation over seeds. Runs go to DIR/<objective>-seed<k>;
the table also goes to DIR/compare.json.

${MODEL_OPTIONS_USAGE}`;

export async function compareCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      preset: { type: 'string' },
      seeds: { type: 'string', default: '0,1,2' },
      steps: { type: 'string' },
      data: { type: 'string' },
      'eval-data': { type: 'string' },
      out: { type: 'string' },
      ...MODEL_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(COMPARE_USAGE);
    return 0;
  }
  const seeds = values.seeds!.split(',').map((s) => integer(s.trim(), 'seeds')!);
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds has a repeated seed: '${values.seeds}'`);
  const steps = integer(values.steps, 'steps', 1);
  const out = values.out ?? join('runs', `compare-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const objectives = ['sft', 'sft+grqo'] as const;
  const results: Record<string, Array<{ seed: number; stats: number[]; dir: string }>> = { sft: [], 'sft+grqo': [] };
  const bar = new Progress('compare', seeds.length * objectives.length, 'run', process.stderr, 0);
  let done = 0;
  for (const seed of seeds) {
    for (const objective of objectives) {
      const config = configFrom(values, (c) => {
        const o: DinoR1ConfigInput = { ...c, seed, objective, train: { ...c.train, evalEvery: 0, checkpointEvery: 0 }, data: { ...c.data } };
        if (steps !== undefined) o.train!.steps = steps;
        if (values.data) o.data!.train = parseDataSpec(values.data);
        if (values['eval-data']) o.data!.eval = parseDataSpec(values['eval-data']);
        return withPluginFiles(o, values.plugin);
      });
      const dir = join(out, `${objective}-seed${seed}`);
      const r = await trainRun({ config, outDir: dir, quiet: true, pictures: 0, plots: false, backend: values.backend });
      results[objective].push({ seed, stats: r.eval!.stats, dir: r.dir });
      bar.update(++done, `${objective} seed ${seed}: AP50 ${r.eval!.stats[1].toFixed(3)}`);
    }
  }
  const names = ['AP', 'AP50', 'AP75'];
  const rows = objectives.map((o) => [
    o,
    ...names.map((_, i) => {
      const v = results[o].map((r) => r.stats[i]);
      return `${mean(v).toFixed(3)} ± ${sampleSd(v).toFixed(3)}`;
    }),
    results[o].map((r) => r.stats[1].toFixed(3)).join(' '),
  ]);
  const header = ['objective', ...names.map((n) => `${n} (mean ± sd)`), `AP50 per seed (${seeds.join(',')})`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const table = [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(fmt)].join('\n');
  writeFileAtomic(join(out, 'compare.json'), `${JSON.stringify({ seeds, results }, null, 2)}\n`);
  process.stdout.write(`${table}\nruns: ${out}\n`);
  return 0;
}
