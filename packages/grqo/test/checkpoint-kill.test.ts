/** A process killed (SIGKILL) while writing checkpoints never leaves a half-written one as the latest. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTensors } from '@dino-r1/core';
import { latestCheckpoint } from '../src';

/** Runs the writer until it pauses at `point` of checkpoint 2, then SIGKILLs it there. */
function runAndKill(dir: string, point: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'checkpoint-writer.child.js'), dir, point], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes(`paused ${point}`)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(stdout) : reject(new Error(`child exited ${code} without pausing: ${stderr}`))));
  });
}

describe('checkpoints under SIGKILL', () => {
  // where checkpoint 2's save was killed → the newest complete checkpoint and what is left on disk
  it.each([
    ['model-body', 1, ['checkpoint-2.safetensors.tmp-']],
    ['model-rename', 1, ['checkpoint-2.safetensors.tmp-']],
    ['optim-rename', 1, ['checkpoint-2.optim.safetensors.tmp-']],
    ['sidecar-rename', 1, ['checkpoint-2.json.tmp-']],
    ['after-save', 2, []],
  ] as const)(
    'killed at %s of checkpoint 2: the latest checkpoint is %i, complete, and loads',
    async (point, expected, strays) => {
      const dir = mkdtempSync(join(tmpdir(), 'dino-r1-kill-'));
      const stdout = await runAndKill(dir, point);
      expect(stdout).toContain('saved 1\n');
      const latest = latestCheckpoint(dir);
      expect(latest?.step).toBe(expected);
      const model = loadTensors(join(dir, latest!.model));
      const w = model.tensors.get('w')!.dataSync();
      expect(w.length).toBe(4 * 1024 * 1024);
      expect(w[0]).toBe(expected);
      expect(w[w.length - 1]).toBe(expected);
      expect(model.tensors.get('v')!.dataSync()[1023]).toBe(expected);
      const optim = loadTensors(join(dir, latest!.optimizer));
      expect([...optim.tensors.keys()].sort()).toEqual([
        'anchor.v',
        'anchor.w',
        'state.v.exp_avg',
        'state.v.exp_avg_sq',
        'state.w.exp_avg',
        'state.w.exp_avg_sq',
      ]);
      // whatever the kill interrupted is only ever under a temporary name
      const stray = readdirSync(dir).filter((f) => !/^checkpoint-\d+(\.optim)?\.(safetensors|json)$/.test(f));
      expect(stray.map((f) => f.replace(/\d+$/, ''))).toEqual([...strays]);
    },
    60000,
  );
});
