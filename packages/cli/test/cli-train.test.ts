/**
 * The training CLI end to end on small data: `train` writes a complete run directory whose last stdout line
 * is `run: <dir>`; Ctrl-C (SIGINT) writes a checkpoint and `--resume` continues to the same bytes as an
 * uninterrupted run; `eval --checkpoint`, `prompts extract` and `predict` use the run; `--help` everywhere;
 * bad input fails with a clear message.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RUN_PRESETS } from '../src/pipeline/presets';

const CLI = resolve(__dirname, '../dist/cli/main.js');
const SMALL = ['--data', 'synthetic:train?images=24', '--eval-data', 'synthetic:val?images=8'];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dino-r1-train-'));
}

function train(out: string, steps: number, extra: string[] = []): string {
  return execFileSync('node', [CLI, 'train', '--steps', String(steps), ...SMALL, '--out', out, '--quiet', ...extra], { encoding: 'utf8' });
}

describe('dino-r1 train', () => {
  let run: string;
  beforeAll(() => {
    run = join(tmp(), 'run');
    const out = train(run, 2, ['--pictures', '1']);
    expect(out.trim().split('\n').pop()).toBe(`run: ${run}`);
  }, 300000);

  it('writes the run directory of DESIGN.md §9', () => {
    const files = readdirSync(run);
    expect(files).toEqual(
      expect.arrayContaining([
        'config.json',
        'metrics.jsonl',
        'checkpoint-2.safetensors',
        'checkpoint-2.optim.safetensors',
        'checkpoint-2.json',
        'prompt-bank.safetensors',
        'eval.json',
        'plots',
        'predictions',
      ]),
    );
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    const ev = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8'));
    expect(ev.stats).toHaveLength(12);
    ev.stats.forEach((s: number) => expect(s === -1 || (s >= 0 && s <= 1)).toBe(true));
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(metrics[0]).toMatchObject({ step: 2 });
    for (const k of ['loss', 'sft', 'grqo', 'kl', 'reward_mean', 'advantage_std', 'lr', 'images_per_s']) expect(typeof metrics[0][k]).toBe('number');
    expect(metrics[metrics.length - 1]['eval.AP50']).toBe(ev.stats[1]);
    for (const p of ['losses', 'rewards', 'kl', 'ap'])
      expect(
        readFileSync(join(run, 'plots', `${p}.png`))
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    expect(readdirSync(join(run, 'predictions')).length).toBe(1);
  });

  it('eval --checkpoint reproduces the run’s numbers with its prompt bank', () => {
    const out = JSON.parse(execFileSync('node', [CLI, 'eval', '--checkpoint', run, '--json'], { encoding: 'utf8' }));
    const ev = JSON.parse(readFileSync(join(run, 'eval.json'), 'utf8'));
    out.stats.forEach((s: number, i: number) => expect(s).toBeCloseTo(ev.stats[i], 9));
  }, 120000);

  it('eval --checkpoint --results writes COCO results that eval coco scores to the same numbers (1e-9)', () => {
    const dir = tmp();
    const [results, gt] = [join(dir, 'results.json'), join(dir, 'gt.json')];
    const direct = JSON.parse(execFileSync('node', [CLI, 'eval', '--checkpoint', run, '--json', '--results', results, '--gt-out', gt], { encoding: 'utf8' }));
    const dets = JSON.parse(readFileSync(results, 'utf8'));
    expect(dets.length).toBeGreaterThan(0);
    expect(Object.keys(dets[0]).sort()).toEqual(['bbox', 'category_id', 'image_id', 'score']);
    const fromFiles = JSON.parse(execFileSync('node', [CLI, 'eval', 'coco', '--gt', gt, '--dt', results, '--json'], { encoding: 'utf8' }));
    expect(fromFiles.stats).toHaveLength(12);
    fromFiles.stats.forEach((s: number, i: number) => expect(Math.abs(s - direct.stats[i])).toBeLessThanOrEqual(1e-9));
  }, 120000);

  it('eval --shots: K-shot banks over seeded draws with mean and sd; --shots all equals the run’s own bank', () => {
    const direct = JSON.parse(execFileSync('node', [CLI, 'eval', '--checkpoint', run, '--json'], { encoding: 'utf8' }));
    const all = JSON.parse(execFileSync('node', [CLI, 'eval', '--checkpoint', run, '--json', '--shots', 'all'], { encoding: 'utf8' }));
    expect(all.runs).toHaveLength(1);
    expect(all.runs[0].stats).toEqual(direct.stats);
    const k = JSON.parse(execFileSync('node', [CLI, 'eval', '--checkpoint', run, '--json', '--shots', '1', '--shots-seeds', '0,1'], { encoding: 'utf8' }));
    expect(k.runs.map((r: { seed: number }) => r.seed)).toEqual([0, 1]);
    k.mean.forEach((m: number, i: number) => expect(m).toBeCloseTo((k.runs[0].stats[i] + k.runs[1].stats[i]) / 2, 12));
    expect(k.sd[1]).toBeCloseTo(Math.abs(k.runs[0].stats[1] - k.runs[1].stats[1]) / Math.SQRT2, 12);
    const again = JSON.parse(execFileSync('node', [CLI, 'eval', '--checkpoint', run, '--json', '--shots', '1', '--shots-seeds', '1'], { encoding: 'utf8' }));
    expect(again.runs[0].stats).toEqual(k.runs[1].stats); // a draw depends only on its seed
    const tooMany = spawnSync('node', [CLI, 'eval', '--checkpoint', run, '--shots', '100000'], { encoding: 'utf8' });
    expect(tooMany.stderr).toMatch(/--shots 100000: category \d+ has only \d+ instances in the support split/);
    const lone = spawnSync('node', [CLI, 'eval', '--checkpoint', run, '--shots-seeds', '1'], { encoding: 'utf8' });
    expect([lone.status, lone.stderr]).toEqual([2, expect.stringContaining('--shots-seeds and --support go with --shots K')]);
  }, 300000);

  it('prompts extract writes a bank with every category', () => {
    const file = join(tmp(), 'bank.safetensors');
    const out = execFileSync('node', [CLI, 'prompts', 'extract', '--checkpoint', run, '--images', '24', '--out', file], { encoding: 'utf8' });
    expect(existsSync(file)).toBe(true);
    expect(out).toContain(`prompt bank: ${file}`);
    expect(out.split('\n').filter((l) => /instances$/.test(l))).toHaveLength(12);
  }, 120000);

  it('predict writes detections json and a picture; a prompt outside the image is refused', async () => {
    const dir = tmp();
    const { syntheticDataset, encodePng } = await import('@dino-r1/datasets');
    const ds = syntheticDataset({ split: 'test', images: 1, width: 128, height: 128 });
    const image = join(dir, 'scene.png');
    await encodePng(ds.images[0].render!(), image);
    const box = ds.images[0].annotations[0].bbox.join(',');
    execFileSync('node', [CLI, 'predict', '--checkpoint', run, '--image', image, '--prompt', box, '--threshold', '0'], { encoding: 'utf8' });
    const pred = JSON.parse(readFileSync(join(dir, 'scene.pred.json'), 'utf8'));
    expect(pred.detections.length).toBeGreaterThan(0);
    expect(pred.detections[0].bbox).toHaveLength(4);
    expect(readFileSync(join(dir, 'scene.pred.png')).subarray(1, 4).toString()).toBe('PNG');
    const bad = spawnSync('node', [CLI, 'predict', '--checkpoint', run, '--image', image, '--prompt', '120,120,30,30'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('lies outside the 128×128 prompt image');
  }, 120000);

  it('Ctrl-C writes a checkpoint; --resume finishes with the same weights as an uninterrupted run', async () => {
    const base = tmp();
    // the demo preset, logging every step (the interrupting plugin acts on the record of step 1)
    const config = join(base, 'demo-log-every-step.json');
    writeFileSync(config, JSON.stringify({ ...RUN_PRESETS.demo, train: { ...RUN_PRESETS.demo.train, logEvery: 1 } }));
    const straight = join(base, 'straight');
    train(straight, 4, ['--pictures', '0', '--config', config]);
    const cut = join(base, 'cut');
    // a real SIGINT, sent by a plugin when step 1 is logged (not on a timer): the run stops after step 1
    const interrupt = resolve(__dirname, 'fixtures/plugins/interrupt-at.js');
    const child = spawn('node', [CLI, 'train', '--config', config, '--steps', '4', ...SMALL, '--out', cut, '--pictures', '0', '--plugin', interrupt], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DINO_R1_TEST_INTERRUPT_AT: '1' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(err).toContain('interrupt: finishing this step, writing a checkpoint');
    expect(err).toContain('stopped at step 1; checkpoint-1 written');
    expect(code).toBe(130);
    expect(readdirSync(cut).filter((f) => /^checkpoint-\d+\.json$/.test(f))).toEqual(['checkpoint-1.json']);
    train(cut, 4, ['--resume', '--pictures', '0']);
    const a = readFileSync(join(straight, 'checkpoint-4.safetensors'));
    const b = readFileSync(join(cut, 'checkpoint-4.safetensors'));
    expect(b.equals(a)).toBe(true);
  }, 600000);

  it('refuses to overwrite a run without --resume, and names bad specs', () => {
    const again = spawnSync('node', [CLI, 'train', '--steps', '1', ...SMALL, '--out', run], { encoding: 'utf8' });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already holds a run');
    const spec = spawnSync('node', [CLI, 'train', '--data', 'train.json', '--out', join(tmp(), 'x')], { encoding: 'utf8' });
    expect(spec.status).toBe(1);
    expect(spec.stderr).toContain("data spec 'train.json': expected READER:SOURCE");
    const reader = spawnSync('node', [CLI, 'train', '--data', 'pascal:voc', '--out', join(tmp(), 'y')], { encoding: 'utf8' });
    expect(reader.stderr).toMatch(/pascal/);
    const broken = join(tmp(), 'broken.json');
    writeFileSync(broken, '{"images": [');
    const bad = spawnSync('node', [CLI, 'train', '--data', `coco:${broken}`, '--out', join(tmp(), 'z')], { encoding: 'utf8' });
    expect(bad.stderr).toContain(`${broken}: not valid JSON`);
  }, 120000);

  it.each([['train'], ['eval'], ['prompts'], ['predict'], ['compare']])('%s --help', (cmd) => {
    const out = execFileSync('node', [CLI, cmd, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(new RegExp(`^usage: dino-r1 ${cmd}`));
  });
});
