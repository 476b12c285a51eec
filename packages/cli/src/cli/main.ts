#!/usr/bin/env node
/** The `dino-r1` command line. One file per command in this folder. */
import { parseArgs } from 'node:util';
import { UsageError } from './args';
import { compareCommand } from './compare';
import { evalCommand } from './eval';
import { evalRunCommand } from './evaluate-run';
import { featuresCommand } from './features';
import { info } from './info';
import { predictCommand } from './predict';
import { promptsCommand } from './prompts';
import { trainCommand } from './train';

const USAGE = `usage: dino-r1 <command> [options]

commands:
  train [--preset demo|tiny|paper | --config FILE] [--data SPEC] [--steps N] [--out DIR] [--resume]
                                   train with SFT or SFT+GRQO, evaluate, write a run directory
  eval --checkpoint DIR [--data SPEC]
                                   evaluate a run's checkpoint with its prompt bank
  prompts extract --checkpoint DIR [--data SPEC]
                                   the per-category prompt bank of a run
  predict --checkpoint DIR --image FILE --prompt x,y,w,h [--prompt-image FILE]
                                   detections of one visual prompt (json + png)
  compare [--preset NAME] [--seeds 0,1,2]
                                   SFT vs SFT+GRQO on identical seeds, AP mean ± sd
  info [--backend NAME] [--json]   the tfjs backend this machine gets and why others were skipped
  eval coco|lvis|odinw ...         COCO / LVIS / ODinW bbox evaluation (pycocotools, lvis-api semantics)
  features --weights W --input IN --out OUT [--config CFG] [--layers 0,1]
                                   DINOv2 feature extraction (official or Hugging Face checkpoints)

Every command takes --help. Data SPEC: READER:SOURCE[?k=v&…] with READER synthetic, coco, lvis, odinw, odvg.
train, eval --checkpoint, prompts, predict and compare take --plugin FILE (repeatable: a .js/.cjs/.mjs/.ts
module exporting definePlugin(...) or a list of them) and --backend NAME: auto (default), tfjs-node-gpu,
tfjs-node, wasm, cpu. --backend wins over DINO_R1_BACKEND, which wins over the config's backend.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  switch (command) {
    case 'info': {
      const { values } = parseArgs({
        args: rest,
        options: { backend: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      });
      if (values.help) {
        process.stdout.write('usage: dino-r1 info [--backend NAME] [--json]\n');
        return 0;
      }
      await info(values);
      return 0;
    }
    case 'train':
      return trainCommand(rest);
    case 'eval':
      return rest[0] && !rest[0].startsWith('-')
        ? evalCommand(rest)
        : rest.includes('--checkpoint') || rest.length === 0 || rest[0] === '--help' || rest[0] === '-h'
          ? evalRunCommand(rest)
          : evalCommand(rest);
    case 'prompts':
      return promptsCommand(rest);
    case 'predict':
      return predictCommand(rest);
    case 'compare':
      return compareCommand(rest);
    case 'features':
      return featuresCommand(rest);
    default:
      process.stderr.write(`dino-r1: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`dino-r1: ${e.message}\n`);
    // node:util parseArgs rejects unknown options and missing values with ERR_PARSE_ARGS_* codes: usage errors too
    const usage = e instanceof UsageError || /^ERR_PARSE_ARGS_/.test((e as NodeJS.ErrnoException).code ?? '');
    process.exit(usage ? 2 : 1);
  },
);
