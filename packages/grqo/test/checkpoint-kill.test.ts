/** A process killed (SIGKILL) while writing checkpoints never leaves a half-written one as the latest. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTensors } from '@dino-r1/core';
import { latestCheckpoint } from '../src';

function runAndKill(dir: string, afterSaves: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'checkpoint-writer.child.js'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let saves = 0;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      saves += (d.toString().match(/saved/g) ?? []).length;
      if (saves === afterSaves) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(saves) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

describe('checkpoints under SIGKILL', () => {
  it.each([7, 23, 61])(
    'killed %i ms into a save: the latest checkpoint is complete and loads',
    async (delay) => {
      const dir = mkdtempSync(join(tmpdir(), 'dino-r1-kill-'));
      const saves = await runAndKill(dir, 2, delay);
      const latest = latestCheckpoint(dir);
      expect(latest).not.toBeNull();
      expect(latest!.step).toBeGreaterThanOrEqual(saves >= 2 ? 2 : 1);
      const model = loadTensors(join(dir, latest!.model));
      const w = model.tensors.get('w')!.dataSync();
      expect(w.length).toBe(4 * 1024 * 1024);
      expect(w[0]).toBe(latest!.step);
      expect(w[w.length - 1]).toBe(latest!.step);
      const optim = loadTensors(join(dir, latest!.optimizer));
      expect([...optim.tensors.keys()].sort()).toEqual(['anchor.w', 'state.w.exp_avg', 'state.w.exp_avg_sq']);
      // whatever the kill interrupted is only ever under a temporary name
      const stray = readdirSync(dir).filter((f) => !/^checkpoint-\d+(\.optim)?\.(safetensors|json)$/.test(f));
      stray.forEach((f) => expect(f).toMatch(/\.tmp-\d+$/));
    },
    60000,
  );
});
