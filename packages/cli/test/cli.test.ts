import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
const CLI = resolve(__dirname, '../dist/cli/main.js');

describe('workspace and CLI', () => {
  it("require('@dino-r1/core') works from the workspace root after the build", () => {
    const out = execFileSync(
      'node',
      [
        '-e',
        "const c = require('@dino-r1/core'); console.log(['createContainer','linearSumAssignment','readSafetensors','writeSafetensors','SafetensorsFile'].map(n => typeof c[n]).join(','))",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function,function,function,function,function');
  });

  it('dino-r1 info reports the backend and why the others were skipped', () => {
    const out = JSON.parse(execFileSync('node', [CLI, 'info', '--json'], { encoding: 'utf8' }));
    expect(out.backend).toBe('wasm');
    expect(out.skipped.map((s: { name: string }) => s.name)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    const forced = JSON.parse(execFileSync('node', [CLI, 'info', '--json', '--backend', 'cpu'], { encoding: 'utf8' }));
    expect(forced).toMatchObject({ backend: 'cpu', skipped: [] });
  });

  it('fails with a clear message on unknown commands and backends', () => {
    const bad = spawnSync('node', [CLI, 'trian'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown command 'trian'");
    const badBackend = spawnSync('node', [CLI, 'info', '--backend', 'webgl2'], { encoding: 'utf8' });
    expect(badBackend.status).toBe(1);
    expect(badBackend.stderr).toContain("unknown backend 'webgl2'");
  });
});
