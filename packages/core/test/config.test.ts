import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from '../src/config';

describe('config', () => {
  it('fills in the paper defaults', () => {
    const c = parseConfig({});
    expect(c.grqo).toMatchObject({ alpha: 0.01, beta: 0.04, muteFraction: 1 / 3, clip: [0.2, 0.28] });
    expect(c.grqo.rewards).toEqual([
      { name: 'classification', weight: 2 },
      { name: 'l1', weight: 5 },
      { name: 'giou', weight: 2 },
    ]);
    expect(c.grqo.klAnchor.name).toBe('epoch-snapshot');
    expect(c.optim).toMatchObject({ clipNorm: 0.1, backboneLrMultiplier: 0.1 });
    expect(c.objective).toBe('sft+grqo');
  });

  it('names every bad field by its path', () => {
    let err: ConfigError | undefined;
    try {
      parseConfig(
        {
          grqo: {
            alpha: 'x',
            rewards: [
              { name: 'l1', weight: 1 },
              { name: '', weight: 2 },
            ],
            klAnchr: {},
          },
          train: { steps: -3 },
        },
        'my.json',
      );
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = err!.message;
    expect(msg).toContain('invalid config (my.json)');
    expect(msg).toMatch(/grqo\.alpha: .*expected number/);
    expect(msg).toMatch(/grqo\.rewards\.1\.name: /);
    expect(msg).toContain('grqo.klAnchr: unknown field');
    expect(msg).toMatch(/train\.steps: /);
  });

  it('loads JSON files and names the file on errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dino-r1-cfg-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ seed: 5, grqo: { klAnchor: { name: 'ema', options: { decay: 0.999 } } } }));
    const c = loadConfigFile(good);
    expect(c.seed).toBe(5);
    expect(c.grqo.klAnchor).toEqual({ name: 'ema', options: { decay: 0.999 } });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"seed": 1,');
    expect(() => loadConfigFile(bad)).toThrow(new RegExp(`invalid config \\(${bad.replace(/[/.]/g, '\\$&')}\\):\\n  - not valid JSON`));
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(/missing\.json.*cannot read file/s);
  });
});
