import { execFileSync, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { BACKEND_ORDER } from '@dino-r1/core';

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

  it("npx dino-r1 works at the repository root after the README's commands (npm ci && npm run build)", () => {
    // npm ci links the committed bin shim before anything is built; it runs the compiled CLI
    expect(realpathSync(resolve(ROOT, 'node_modules/.bin/dino-r1'))).toBe(resolve(__dirname, '../bin/dino-r1.js'));
    const out = execFileSync('npx', ['--no-install', 'dino-r1', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toMatch(/^usage: dino-r1 <command>/);
  });

  it('dino-r1 info reports the backend and why the others were skipped', () => {
    const env = { ...process.env };
    delete env.DINO_R1_BACKEND;
    const out = JSON.parse(execFileSync('node', [CLI, 'info', '--json'], { encoding: 'utf8', env }));
    // not pinned: tfjs-node wins where it is installed
    expect(BACKEND_ORDER).toContain(out.backend);
    expect(out.skipped.map((s: { name: string }) => s.name)).toEqual(BACKEND_ORDER.slice(0, BACKEND_ORDER.indexOf(out.backend)));
    const forced = JSON.parse(execFileSync('node', [CLI, 'info', '--json', '--backend', 'cpu'], { encoding: 'utf8' }));
    expect(forced).toMatchObject({ backend: 'cpu', skipped: [] });
  });

  it('fails with a clear message on unknown commands and backends', () => {
    const bad = spawnSync('node', [CLI, 'trian'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown command 'trian'");
    const badBackend = spawnSync('node', [CLI, 'info', '--backend', 'webgl2'], { encoding: 'utf8' });
    expect(badBackend.status).toBe(1);
    expect(badBackend.stderr).toContain("--backend: unknown backend 'webgl2'");
  });
});
