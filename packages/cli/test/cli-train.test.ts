/**
 * The training CLI end to end on small data: `train` writes a complete run directory whose last stdout line
 * is `run: <dir>`; Ctrl-C (SIGINT) writes a checkpoint and `--resume` continues to the same bytes as an
 * uninterrupted run; `eval --checkpoint`, `prompts extract` and `predict` use the run; `--help` everywhere;
 * bad input fails with a clear message.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RUN_PRESETS } from '../src/pipeline/presets';

const CLI = resolve(__dirname, '../dist/cli/main.js');
const MUSHROOMS = resolve(__dirname, '../../../../shared/data/odinw/NorthAmericaMushrooms');
const SMALL = ['--data', 'synthetic:train?images=24', '--eval-data', 'synthetic:val?images=8'];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'dino-r1-train-'));
}

/**
 * A COCO file as LVIS v1: categories get a frequency (r, c, f in turn); even-indexed images list every
 * category absent from them as verified negative, every third image marks its first category as not
 * exhaustively annotated, so the federated rules of lvis-api all take part.
 */
function lvisFromCoco(file: string): unknown {
  if (!existsSync(file)) throw new Error(`missing ${file}: ../shared/data must sit beside the repository`);
  const coco = JSON.parse(readFileSync(file, 'utf8'));
  const catIds: number[] = coco.categories.map((c: { id: number }) => c.id);
  const present = (id: number) =>
    new Set<number>(coco.annotations.filter((a: { image_id: number }) => a.image_id === id).map((a: { category_id: number }) => a.category_id));
  return {
    ...coco,
    categories: coco.categories.map((c: object, i: number) => ({ ...c, frequency: 'rcf'[i % 3] })),
    images: coco.images.map((im: { id: number }, i: number) => {
      const pos = present(im.id);
      return {
        ...im,
        neg_category_ids: i % 2 === 0 ? catIds.filter((c) => !pos.has(c)) : [],
        not_exhaustive_category_ids: i % 3 === 0 && pos.size ? [[...pos][0]] : [],
      };
    }),
  };
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

  it('eval --evaluator lvis: federated LVIS numbers whose --results eval lvis reproduces (1e-9); coco on the same data differs', () => {
    const dir = tmp();
    const lvisFile = join(dir, 'lvis.json');
    writeFileSync(lvisFile, JSON.stringify(lvisFromCoco(join(MUSHROOMS, 'train', '_annotations.coco.json'))));
    const spec = `lvis:${lvisFile}?imagesDir=${join(MUSHROOMS, 'train')}`;
    const results = join(dir, 'results.json');
    const args = ['eval', '--checkpoint', run, '--data', spec, '--support', spec, '--json'];
    const direct = JSON.parse(execFileSync('node', [CLI, ...args, '--evaluator', 'lvis', '--results', results], { encoding: 'utf8' }));
    expect(direct).toMatchObject({ evaluator: 'lvis', shots: 'all', runs: [{ seed: null }] });
    expect(Object.keys(direct.runs[0].named)).toEqual(expect.arrayContaining(['APr', 'APc', 'APf']));
    const fromFiles = JSON.parse(execFileSync('node', [CLI, 'eval', 'lvis', '--gt', lvisFile, '--dt', results, '--json'], { encoding: 'utf8' }));
    expect(Object.keys(fromFiles.results)).toEqual(Object.keys(direct.runs[0].named));
    Object.values(fromFiles.results).forEach((v, i) => expect(Math.abs((v as number) - direct.runs[0].stats[i])).toBeLessThanOrEqual(1e-9));
    const coco = JSON.parse(execFileSync('node', [CLI, ...args], { encoding: 'utf8' }));
    expect(coco.evaluator).toBe('coco');
    expect(coco.runs[0].stats).toHaveLength(12);
    const unknown = spawnSync('node', [CLI, 'eval', '--checkpoint', run, '--evaluator', 'voc'], { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/voc[\s\S]*coco[\s\S]*lvis/);
    const noLvisFields = spawnSync('node', [CLI, 'eval', '--checkpoint', run, '--evaluator', 'lvis'], { encoding: 'utf8' });
    expect(noLvisFields.stderr).toContain("has no LVIS fields (neg_category_ids, category frequency): read it with the 'lvis' reader");
  }, 300000);

  it('eval --evaluator NAME picks an evaluator a --plugin file registers', () => {
    const plugin = resolve(__dirname, 'fixtures/plugins/count-evaluator.js');
    const out = JSON.parse(
      execFileSync('node', [CLI, 'eval', '--checkpoint', run, '--evaluator', 'detection-count', '--plugin', plugin, '--json'], { encoding: 'utf8' }),
    );
    const images = 8; // SMALL's eval split
    expect(out.named.detections).toBe(images * 100); // the top 100 of every image
    expect(out.named.per_image).toBe(100);
    expect(out.named.mean_score).toBeGreaterThan(0);
  }, 120000);

  it('eval --evaluator odinw: a folder of datasets in one call, --results DIR equal to eval odinw (1e-9), prompts from --support-split', () => {
    const dir = tmp();
    const root = join(dir, 'odinw');
    mkdirSync(root);
    for (const name of ['NorthAmericaMushrooms', 'Packages']) symlinkSync(join(MUSHROOMS, '..', name), join(root, name));
    const [dtTrain, dtValid] = [join(dir, 'dt-train'), join(dir, 'dt-valid')];
    const args = ['eval', '--checkpoint', run, '--evaluator', 'odinw', '--data', `odinw:${root}?split=valid`, '--json'];
    const direct = JSON.parse(execFileSync('node', [CLI, ...args, '--results', dtTrain], { encoding: 'utf8' }));
    expect(direct).toMatchObject({ evaluator: 'odinw', split: 'valid', supportSplit: 'train', shots: 'all' });
    const summary = direct.runs[0];
    expect(summary.datasets.map((d: { name: string }) => d.name)).toEqual(['NorthAmericaMushrooms', 'Packages']);
    expect(summary.means.odinw13.present).toEqual(['NorthAmericaMushrooms', 'Packages']);
    expect(summary.means.odinw13.missing).toHaveLength(11);
    const fromFiles = JSON.parse(
      execFileSync('node', [CLI, 'eval', 'odinw', '--root', root, '--dt', dtTrain, '--split', 'valid', '--json'], { encoding: 'utf8' }),
    );
    expect(fromFiles.datasets.map((d: { name: string }) => d.name)).toEqual(['NorthAmericaMushrooms', 'Packages']);
    fromFiles.datasets.forEach((d: { stats: number[] }, k: number) =>
      d.stats.forEach((v, i) => expect(Math.abs(v - summary.datasets[k].stats[i])).toBeLessThanOrEqual(1e-9)),
    );
    expect(Math.abs(fromFiles.means.odinw35.mean - summary.means.odinw35.mean)).toBeLessThanOrEqual(1e-9);
    // prompts from the valid split: other banks, so other detection scores
    execFileSync('node', [CLI, ...args, '--support-split', 'valid', '--results', dtValid], { encoding: 'utf8' });
    expect(readFileSync(join(dtValid, 'Packages.json'), 'utf8')).not.toEqual(readFileSync(join(dtTrain, 'Packages.json'), 'utf8'));
    const k = JSON.parse(execFileSync('node', [CLI, ...args, '--shots', '1', '--shots-seeds', '0,1'], { encoding: 'utf8' }));
    expect(k.runs.map((r: { seed: number }) => r.seed)).toEqual([0, 1]);
    expect(k.spread.odinw35.mean).toBeCloseTo((k.runs[0].means.odinw35.mean + k.runs[1].means.odinw35.mean) / 2, 12);
    const noData = spawnSync('node', [CLI, 'eval', '--checkpoint', run, '--evaluator', 'odinw'], { encoding: 'utf8' });
    expect([noData.status, noData.stderr]).toEqual([2, expect.stringContaining('--evaluator odinw needs --data odinw:ROOT')]);
    const misplaced = spawnSync('node', [CLI, 'eval', '--checkpoint', run, '--support-split', 'valid'], { encoding: 'utf8' });
    expect([misplaced.status, misplaced.stderr]).toEqual([2, expect.stringContaining('--support-split goes with --evaluator odinw')]);
  }, 300000);

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
    expect([lone.status, lone.stderr]).toEqual([2, expect.stringContaining('--shots-seeds goes with --shots K')]);
    const two = spawnSync('node', [CLI, 'eval', '--checkpoint', run, '--shots', '1', '--shots-seeds', '0,1', '--results', join(tmp(), 'r.json')], {
      encoding: 'utf8',
    });
    expect([two.status, two.stderr]).toEqual([2, expect.stringContaining('--results writes the detections of one prompt draw')]);
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
