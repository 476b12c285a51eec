#!/usr/bin/env node
// The `dino-r1` command. Committed (not built) so that `npm ci` links it before anything is compiled;
// it runs the compiled CLI, or says how to build it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`dino-r1: ${main} is not built yet; run 'npm run build' at the repository root first\n`);
  process.exit(1);
}
require(main);
