#!/usr/bin/env node
/** The `dino-r1` command line. One file per command in this folder. */
import { parseArgs } from 'node:util';
import { evalCommand } from './eval';
import { featuresCommand } from './features';
import { info } from './info';

const USAGE = `usage: dino-r1 <command> [options]

commands:
  info [--backend NAME] [--json]   the tfjs backend this machine gets and why others were skipped
  eval coco|lvis|odinw ...         COCO / LVIS / ODinW bbox evaluation (pycocotools, lvis-api semantics)
  features --weights W --input IN --out OUT [--config CFG] [--layers 0,1]
                                   DINOv2 feature extraction (official or Hugging Face checkpoints)

Backends: auto (default), tfjs-node-gpu, tfjs-node, wasm, cpu (or set DINO_R1_BACKEND).
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
    case 'eval':
      return evalCommand(rest);
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
    process.exit(1);
  },
);
