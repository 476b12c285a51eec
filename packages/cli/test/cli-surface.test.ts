/**
 * The user-facing surface of `dino-r1` (issue 13), through the real command line on micro runs:
 * plugin files (`--plugin`, config `plugins`) from a folder outside the workspace, the backend precedence
 * (flag > DINO_R1_BACKEND > config > auto) recorded in `config.json`, strict `--resume`, validated
 * `model.options`, and numeric flags that refuse nonsense.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BACKEND_ORDER, type DinoR1ConfigInput } from '@dino-r1/core';
import { micro } from './micro';

const BIN = resolve(__dirname, '../bin/dino-r1.js');
const PLUGINS = resolve(__dirname, 'fixtures/plugins');
const WORKSPACE = resolve(__dirname, '../../..');

/** A folder outside the workspace (no node_modules above it), like a researcher's scratch directory. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dino-r1-surface-'));
  expect(dir.startsWith(WORKSPACE)).toBe(false);
  return dir;
}

function cli(cwd: string, args: string[], env: Record<string, string | undefined> = {}): SpawnSyncReturns<string> {
  const fullEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete fullEnv[k];
  return spawnSync('node', [BIN, ...args], { cwd, encoding: 'utf8', env: fullEnv });
}

function ok(r: SpawnSyncReturns<string>): string {
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stderr}`);
  return r.stdout;
}

/** Writes the micro config (with `over`) as a config file in `dir`. */
function configFile(dir: string, over: DinoR1ConfigInput = {}, name = 'config.json'): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(micro(over), null, 2));
  return file;
}

const metrics = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>)
    .filter((r) => typeof r.loss === 'number');
const runConfig = (run: string) => JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
const TRAIN = ['train', '--quiet', '--pictures', '0'];
const NO_ENV = { DINO_R1_BACKEND: undefined };

describe('--plugin FILE and config plugins', () => {
  it('a reward plugin in a folder outside the workspace, named in grqo.rewards, changes the logged rewards and advantages (same seed)', () => {
    const dir = scratch();
    copyFileSync(join(PLUGINS, 'center-reward.js'), join(dir, 'center.js'));
    const plain = configFile(dir, {}, 'plain.json');
    const center = configFile(dir, { grqo: { rewards: [{ name: 'center-distance', weight: 1 }] } }, 'center.json');
    ok(cli(dir, [...TRAIN, '--config', plain, '--out', 'without'], NO_ENV));
    ok(cli(dir, [...TRAIN, '--config', center, '--plugin', './center.js', '--out', 'with'], NO_ENV));
    const [a, b] = [metrics(join(dir, 'without')), metrics(join(dir, 'with'))];
    expect(b.map((r) => r.step)).toEqual(a.map((r) => r.step));
    // the plugin's reward is a negative squared distance: every mean is ≤ 0, unlike the default composite
    for (const r of b) expect(r.reward_mean).toBeLessThanOrEqual(0);
    expect(b.map((r) => r.reward_mean)).not.toEqual(a.map((r) => r.reward_mean));
    expect(b.map((r) => [r.advantage_mean, r.advantage_std])).not.toEqual(a.map((r) => [r.advantage_mean, r.advantage_std]));
    // the run records the file, so a resume (and eval) loads it again without --plugin
    expect(runConfig(join(dir, 'with')).plugins).toEqual([join(dir, 'center.js')]);
    ok(cli(dir, [...TRAIN, '--resume', '--out', 'with', '--steps', '4'], NO_ENV));
    expect(metrics(join(dir, 'with')).map((r) => r.step)).toEqual([1, 2, 3, 4]);
  }, 300000);

  it('a missing plugin file fails clearly, naming the file', () => {
    const dir = scratch();
    const r = cli(dir, [...TRAIN, '--config', configFile(dir), '--plugin', 'missing.js', '--out', 'run']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plugin ${join(dir, 'missing.js')}: file not found`);
    expect(existsSync(join(dir, 'run', 'metrics.jsonl'))).toBe(false);
  }, 60000);

  it('a file that exports no plugin fails naming what it exported', () => {
    const dir = scratch();
    const r = cli(dir, [...TRAIN, '--config', configFile(dir), '--plugin', join(PLUGINS, 'not-a-plugin.js'), '--out', 'run']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not-a-plugin.js: exports no plugin');
    expect(r.stderr).toContain("it exported an object with 'reward', 'weight'");
  }, 60000);

  it("config plugins are resolved against the config file's folder; a MetricsSink plugin receives every record", () => {
    const dir = scratch();
    copyFileSync(join(PLUGINS, 'loss-log.js'), join(dir, 'loss-log.js'));
    const config = configFile(dir, { plugins: ['./loss-log.js'] });
    const elsewhere = scratch();
    ok(cli(elsewhere, [...TRAIN, '--config', config, '--out', 'run'], NO_ENV));
    const logged = readFileSync(join(elsewhere, 'run', 'losses.tsv'), 'utf8')
      .trim()
      .split('\n');
    expect(logged).toEqual(metrics(join(elsewhere, 'run')).map((r) => `${r.step}\t${r.loss}`));
  }, 120000);
});

describe('--backend, DINO_R1_BACKEND, config backend', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
  });

  it('auto picks a backend of the preference order and records it (not pinned: tfjs-node wins where installed)', () => {
    ok(cli(dir, [...TRAIN, '--config', configFile(dir), '--steps', '1', '--out', 'auto'], NO_ENV));
    expect(BACKEND_ORDER).toContain(runConfig(join(dir, 'auto')).backend);
  }, 120000);

  it('DINO_R1_BACKEND over the config, --backend over both; config.json records what ran', () => {
    const cpuConfig = configFile(dir, { backend: 'cpu' }, 'cpu.json');
    ok(cli(dir, [...TRAIN, '--config', cpuConfig, '--steps', '1', '--out', 'config'], NO_ENV));
    expect(runConfig(join(dir, 'config')).backend).toBe('cpu');
    ok(cli(dir, [...TRAIN, '--config', configFile(dir), '--steps', '1', '--out', 'env'], { DINO_R1_BACKEND: 'cpu' }));
    expect(runConfig(join(dir, 'env')).backend).toBe('cpu');
    ok(cli(dir, [...TRAIN, '--config', cpuConfig, '--steps', '1', '--out', 'flag', '--backend', 'wasm'], { DINO_R1_BACKEND: 'cpu' }));
    expect(runConfig(join(dir, 'flag')).backend).toBe('wasm');
    // eval of a run uses the recorded backend unless told otherwise
    const ev = cli(dir, ['eval', '--checkpoint', 'config', '--json'], NO_ENV);
    expect(ev.stderr).toContain('backend: cpu (forced)');
    const evEnv = cli(dir, ['eval', '--checkpoint', 'config', '--json'], { DINO_R1_BACKEND: 'wasm' });
    expect(evEnv.stderr).toContain('backend: wasm (forced)');
  }, 300000);

  it('an unknown backend names where it came from', () => {
    const flag = cli(dir, ['eval', '--checkpoint', 'config', '--backend', 'tpu']);
    expect(flag.stderr).toContain("--backend: unknown backend 'tpu'");
    const env = cli(dir, ['info'], { DINO_R1_BACKEND: 'tpu' });
    expect(env.stderr).toContain("DINO_R1_BACKEND: unknown backend 'tpu'");
  }, 60000);
});

describe('--resume continues the run’s own config', () => {
  let dir: string;
  let before: string;
  beforeAll(() => {
    dir = scratch();
    ok(cli(dir, [...TRAIN, '--config', configFile(dir, { train: { steps: 2 } }), '--out', 'run'], NO_ENV));
    before = readFileSync(join(dir, 'run', 'config.json'), 'utf8');
  }, 120000);

  it.each([
    [['--seed', '5'], 'seed (0 → 5)'],
    [['--objective', 'sft'], 'objective ("sft+grqo" → "sft")'],
    [['--data', 'synthetic:other'], 'data.train.source ("train" → "other")'],
    [['--preset', 'demo'], 'model.options'],
  ])(
    '%j is refused, naming the fields, and config.json is left alone',
    (args, named) => {
      const r = cli(dir, [...TRAIN, '--resume', '--out', 'run', ...args], NO_ENV);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("--resume continues the run's own config (config.json); refusing to change");
      expect(r.stderr).toContain(named);
      expect(readFileSync(join(dir, 'run', 'config.json'), 'utf8')).toBe(before);
    },
    60000,
  );

  it('--steps below the checkpoint is refused; --steps N extends the run, is recorded, and equals a straight run', () => {
    const below = cli(dir, [...TRAIN, '--resume', '--out', 'run', '--steps', '1'], NO_ENV);
    expect(below.stderr).toContain("--steps 1 is below the newest checkpoint's step 2");
    ok(cli(dir, [...TRAIN, '--resume', '--out', 'run', '--steps', '4'], NO_ENV));
    expect(runConfig(join(dir, 'run')).train.steps).toBe(4);
    const resumes = readFileSync(join(dir, 'run', 'resumes.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(resumes).toEqual([expect.objectContaining({ step: 2, field: 'train.steps', from: 2, to: 4 })]);
    ok(cli(dir, [...TRAIN, '--config', configFile(dir, { train: { steps: 4 } }, 'four.json'), '--out', 'straight'], NO_ENV));
    expect(readFileSync(join(dir, 'run', 'checkpoint-4.safetensors')).equals(readFileSync(join(dir, 'straight', 'checkpoint-4.safetensors')))).toBe(true);
  }, 300000);

  it('--resume of a folder without a run says so', () => {
    const r = cli(dir, [...TRAIN, '--resume', '--out', 'nothing-here']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--resume: nothing-here has no config.json');
  });
});

describe('strict inputs', () => {
  it.each([
    [{ model: { options: { weights: 'dinov2_vits14.safetensors' } } }, 'model.options.weights: unknown field'],
    [{ model: { options: { depth: -1 } } }, 'model.options.depth:'],
    [{ model: { options: { detector: { dmodel: 32 } } } }, 'model.options.detector.dmodel: unknown field'],
    [{ model: { options: { detector: { numQueries: 0 } } } }, 'model.options.detector.numQueries:'],
  ])(
    'model.options %j is an error naming the field',
    (over, message) => {
      const dir = scratch();
      const r = cli(dir, [...TRAIN, '--config', configFile(dir, over), '--out', 'run']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(message);
    },
    60000,
  );

  it.each([
    [['predict', '--checkpoint', 'r', '--image', 'i.png', '--prompt', '1,1,2,2', '--threshold', 'abc'], "--threshold must be a number in [0, 1], got 'abc'"],
    [['predict', '--checkpoint', 'r', '--image', 'i.png', '--prompt', '1,1,2,2', '--threshold', '1.5'], "--threshold must be a number in [0, 1], got '1.5'"],
    [['predict', '--checkpoint', 'r', '--image', 'i.png', '--prompt', '1,1,2,2', '--top', '0'], "--top must be an integer ≥ 1, got '0'"],
    [['prompts', 'extract', '--checkpoint', 'r', '--images=-3'], "--images must be an integer ≥ 1, got '-3'"],
    [['prompts', 'extract', '--checkpoint', 'r', '--images', '-3'], "Option '--images' argument is ambiguous"],
    [['train', '--stpes', '3'], "Unknown option '--stpes'"],
    [['train', '--steps', 'NaN'], "--steps must be an integer ≥ 1, got 'NaN'"],
    [['train', '--steps', '2.5'], "--steps must be an integer ≥ 1, got '2.5'"],
    [['train', '--seed', ''], "--seed must be an integer ≥ 0, got ''"],
    [['train', '--pictures=-1'], "--pictures must be an integer ≥ 0, got '-1'"],
    [['compare', '--seeds', '0,x'], "--seeds must be an integer ≥ 0, got 'x'"],
    [['compare', '--seeds', '1,1'], "--seeds has a repeated seed: '1,1'"],
  ])('%j is a usage error', (args, message) => {
    const r = cli(scratch(), args);
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining(message)]);
  });
});
