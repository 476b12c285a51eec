/**
 * Installing packages works outside the workspace: `npm pack` every package, install tarballs into empty
 * projects (dependencies come from the registry): core + rewards on their own, and @dino-r1/cli with what it
 * needs — its `dino-r1` command runs a micro training and its library API is there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' },
  });
}

const PACKAGES = ['core', 'rewards', 'backbone-dino', 'decoder', 'grqo', 'datasets', 'evaluators', 'cli'];

describe('published packages install and load on their own', () => {
  let packs: string;
  let tarballs: string[];
  beforeAll(() => {
    packs = mkdtempSync(join(tmpdir(), 'dino-r1-packs-'));
    run('npm', ['pack', ...PACKAGES.flatMap((p) => ['-w', `@dino-r1/${p}`]), '--pack-destination', packs], ROOT);
    tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
  }, 300000);

  it('packs every package', () => {
    expect(tarballs.sort()).toEqual(PACKAGES.map((p) => `dino-r1-${p}-0.1.0.tgz`).sort());
  });

  it('core + rewards alone: installs the tarballs into an empty project and requires them', () => {
    const project = mkdtempSync(join(tmpdir(), 'dino-r1-consumer-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-package-lock', ...['core', 'rewards'].map((p) => join(packs, `dino-r1-${p}-0.1.0.tgz`))], project);

    const script = `
      const core = require('@dino-r1/core');
      const { rewardsPlugin } = require('@dino-r1/rewards');
      const names = ['createContainer', 'linearSumAssignment', 'readSafetensors', 'writeSafetensors', 'initBackend'];
      const missing = names.filter((n) => typeof core[n] !== 'function');
      if (missing.length) throw new Error('missing exports: ' + missing);
      (async () => {
        const backend = await core.initBackend('auto', { logger: core.silentLogger });
        const c = core.createContainer({}, [rewardsPlugin], { logger: core.silentLogger });
        const rewards = c.get(core.TOKENS.ActiveRewards).map((r) => r.reward.name + ':' + r.weight);
        const a = core.linearSumAssignment([4, 1, 3, 2, 0, 5, 3, 2, 2], 3, 3);
        console.log(JSON.stringify({ backend, order: core.BACKEND_ORDER, rewards, cols: Array.from(a.cols) }));
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const out = JSON.parse(run('node', ['-e', script], project).trim().split('\n').pop()!);
    // the backend is not pinned: a machine with tfjs-node installed picks it
    expect(out.order).toContain(out.backend);
    expect(out).toMatchObject({ rewards: ['classification:2', 'l1:5', 'giou:2'], cols: [1, 0, 2] });
  }, 300000);

  it('npm i @dino-r1/cli: a working dino-r1 command and the run pipeline as a library', () => {
    const project = mkdtempSync(join(tmpdir(), 'dino-r1-cli-consumer-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-package-lock', ...tarballs.map((t) => join(packs, t))], project);
    expect(run('npx', ['--no-install', 'dino-r1', '--help'], project)).toMatch(/^usage: dino-r1 <command>/);
    const script = `
      const cli = require('@dino-r1/cli');
      const names = ['trainRun', 'openRun', 'buildModel', 'evaluateWithBank', 'predictWithPrompt', 'loadPluginFiles', 'extractPromptBank'];
      const missing = names.filter((n) => typeof cli[n] !== 'function');
      if (missing.length) throw new Error('missing exports: ' + missing);
      console.log(JSON.stringify({ presets: Object.keys(cli.RUN_PRESETS) }));
    `;
    expect(JSON.parse(run('node', ['-e', script], project).trim())).toEqual({ presets: expect.arrayContaining(['demo', 'tiny', 'paper']) });
    // one real (micro) training run through the installed command
    const config = {
      model: {
        preset: 'tiny',
        options: {
          img_size: 64,
          patch_size: 16,
          embed_dim: 32,
          depth: 1,
          num_heads: 2,
          detector: { dModel: 32, numQueries: 10, encoderLayers: 1, decoderLayers: 1, gnGroups: 8 },
        },
      },
      train: { steps: 1, batchSize: 2 },
      data: {
        train: { reader: 'synthetic', source: 'train', options: { images: 4, width: 64, height: 64, numCategories: 2 } },
        eval: { reader: 'synthetic', source: 'val', options: { images: 2, width: 64, height: 64, numCategories: 2 } },
        maxSize: 64,
        bankImages: 0,
      },
    };
    writeFileSync(join(project, 'micro.json'), JSON.stringify(config));
    const out = run('npx', ['--no-install', 'dino-r1', 'train', '--config', 'micro.json', '--out', 'run', '--quiet', '--pictures', '0'], project);
    expect(out.trim().split('\n').pop()).toBe(`run: ${join(project, 'run')}`);
  }, 600000);
});
