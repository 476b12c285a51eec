/**
 * Installing packages one by one works: `npm pack` @dino-r1/core and @dino-r1/rewards, install the
 * tarballs into an empty project outside the workspace (dependencies come from the registry), and
 * require them there.
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

describe('published packages install and load on their own', () => {
  it('packs core + rewards, installs the tarballs into an empty project and requires them', () => {
    const packs = mkdtempSync(join(tmpdir(), 'dino-r1-packs-'));
    run('npm', ['pack', '-w', '@dino-r1/core', '-w', '@dino-r1/rewards', '--pack-destination', packs], ROOT);
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(['dino-r1-core-0.1.0.tgz', 'dino-r1-rewards-0.1.0.tgz']);

    const project = mkdtempSync(join(tmpdir(), 'dino-r1-consumer-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-package-lock', ...tarballs.map((t) => join(packs, t))], project);

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
        console.log(JSON.stringify({ backend, rewards, cols: Array.from(a.cols) }));
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const out = JSON.parse(run('node', ['-e', script], project).trim().split('\n').pop()!);
    expect(out).toEqual({ backend: 'wasm', rewards: ['classification:2', 'l1:5', 'giou:2'], cols: [1, 0, 2] });
  }, 300000);
});
