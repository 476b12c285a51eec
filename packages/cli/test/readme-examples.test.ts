/**
 * The TypeScript examples of the repository README compile under `strict` against the packages' real
 * types (as a user's project would see them), and the plugin example does what the README says when the
 * CLI loads it as a `.ts` plugin file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';

const README = resolve(__dirname, '../../../README.md');

/** The ```ts blocks, each named by a first-line comment `// NAME.ts` or `readme-K.ts`. */
function examples(): Array<{ name: string; code: string }> {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.map((code, k) => ({ name: /^\/\/ (\S+\.ts)/.exec(code)?.[1] ?? `readme-${k}.ts`, code }));
}

describe('README TypeScript examples', () => {
  // inside the package, so `@dino-r1/*` resolve through the workspace's node_modules like an installed project
  const dir = mkdtempSync(join(__dirname, '.readme-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('there are examples, including the plugin file', () => {
    expect(examples().map((e) => e.name)).toEqual(expect.arrayContaining(['center.ts']));
  });

  it('compile under strict with the published types', () => {
    const files = examples().map(({ name, code }) => {
      const file = join(dir, name);
      writeFileSync(file, code);
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
      const where = d.file ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  });

  // in a child process: jest's module registry would give the plugin file another copy of tfjs than ours
  it('the plugin example, loaded as a .ts plugin file, is the reward it describes', () => {
    const file = join(dir, 'center-plugin.ts');
    writeFileSync(file, examples().find((e) => e.name === 'center.ts')!.code);
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
