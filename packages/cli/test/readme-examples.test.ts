/**
 * The TypeScript examples of every README compile under `strict` against the packages' real types (as a
 * user's project would see them; excerpts declare what they assume in a hidden `<!-- prelude … -->`), and the plugin example does what the README says when the
 * CLI loads it as a `.ts` plugin file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../../..');
const README = join(ROOT, 'README.md');
const READMES = [README, ...readdirSync(join(ROOT, 'packages')).map((p) => join(ROOT, 'packages', p, 'README.md'))].filter((f) => existsSync(f));

interface Example {
  readonly readme: string;
  readonly name: string;
  /** The code shown, after its prelude: an HTML comment `<!-- prelude … -->` just above the fence (declarations the excerpt assumes). */
  readonly code: string;
  readonly prelude: string;
}

/** The ```ts blocks of a README, each named by a first-line comment `// NAME.ts` or by its README and index. */
function examples(readme: string): Example[] {
  const text = readFileSync(readme, 'utf8');
  const tag = relative(ROOT, readme).replace(/[/.]/g, '_');
  return [...text.matchAll(/(?:<!-- prelude\n([\s\S]*?)-->\n)?```ts\n([\s\S]*?)```/g)].map((m, k) => ({
    readme: relative(ROOT, readme),
    name: /^\/\/ (\S+\.ts)/.exec(m[2])?.[1] ?? `${tag}-${k}.ts`,
    code: m[2],
    prelude: m[1] ?? '',
  }));
}

describe('README TypeScript examples', () => {
  // inside the package, so `@dino-r1/*` resolve through the workspace's node_modules like an installed project
  const dir = mkdtempSync(join(__dirname, '.readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('there are examples in every package README, and the plugin file in the main one', () => {
    expect(examples(README).map((e) => e.name)).toEqual(expect.arrayContaining(['center.ts']));
    for (const readme of READMES.filter((r) => r !== README)) expect([readme, examples(readme).length > 0]).toEqual([readme, true]);
  });

  it('compile under strict with the published types', () => {
    const all = READMES.flatMap(examples);
    // the prelude goes on the code's first line, so error line numbers stay those of the excerpt
    const files = all.map(({ name, code, prelude }) => {
      const file = join(dir, name);
      writeFileSync(file, `${prelude.replace(/\n/g, ' ')}${code}`);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const example = all.find((e) => d.file && join(dir, e.name) === d.file.fileName);
      const where = d.file
        ? `${example ? `${example.readme} ${example.name}` : d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  });

  // in a child process: jest's module registry would give the plugin file another copy of tfjs than ours
  it('the plugin example, loaded as a .ts plugin file, is the reward it describes', () => {
    const file = join(dir, 'center-plugin.ts');
    writeFileSync(file, examples(README).find((e) => e.name === 'center.ts')!.code);
    const boxes = [
      [0.5, 0.5, 0.2, 0.2],
      [0.1, 0.2, 0.1, 0.1],
    ];
    const gt = [[0.4, 0.3, 0.3, 0.3]];
    const script = `
      const { loadPluginFile } = require(${JSON.stringify(resolve(__dirname, '../dist/index.js'))});
      const { createContainer, initBackend, silentLogger, TOKENS, tf } = require('@dino-r1/core');
      const { rewardsPlugin } = require('@dino-r1/rewards');
      (async () => {
        await initBackend('cpu', { logger: silentLogger });
        const plugins = await loadPluginFile(${JSON.stringify(file)});
        const c = createContainer({ grqo: { rewards: [{ name: 'center-distance', weight: 1 }] } }, [rewardsPlugin, ...plugins], { logger: silentLogger });
        const [{ reward }] = c.get(TOKENS.ActiveRewards);
        const m = reward.matrix({ logits: tf.zeros([2, 1]), boxes: tf.tensor2d(${JSON.stringify(boxes)}) }, { boxes: tf.tensor2d(${JSON.stringify(gt)}), labels: tf.tensor1d([0], 'int32') });
        console.log(JSON.stringify({ name: reward.name, matrix: m.arraySync() }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = JSON.parse(execFileSync('node', ['-e', script], { cwd: dir, encoding: 'utf8' }).trim());
    expect(out.name).toBe('center-distance');
    const expected = boxes.map(([x, y]) => -((x - gt[0][0]) ** 2 + (y - gt[0][1]) ** 2));
    out.matrix.forEach((row: number[], i: number) => expect(row[0]).toBeCloseTo(expected[i], 6));
  });
});

describe('docs/configs', () => {
  it('odinw-vits14.json is the odinw preset’s data, schedule and augmentation with a ViT-S/14 backbone', () => {
    const { loadConfigFile, parseConfig } = require('@dino-r1/core') as typeof import('@dino-r1/core');
    const { RUN_PRESETS } = require('../src/pipeline/presets') as typeof import('../src/pipeline/presets');
    const file = loadConfigFile(join(ROOT, 'docs/configs/odinw-vits14.json'));
    const preset = parseConfig(RUN_PRESETS.odinw);
    expect(file.model).toMatchObject({ preset: 'tiny', backbone: 'dinov2', options: { preset: 'vits14' } });
    expect(file.data).toEqual(preset.data);
    expect(file.train).toEqual(preset.train);
    expect([file.objective, file.grqo]).toEqual([preset.objective, preset.grqo]);
    expect(file.optim).toMatchObject({ lr: 1e-4, backboneLrMultiplier: 0.1 });
  });
});
