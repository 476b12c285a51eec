// Child process of checkpoint-kill.test.ts: writes checkpoints 1, 2, … of a 16 MB model in a loop. With a
// pause point (argv[3]) it stops dead at that point of checkpoint 2 — printing `paused <point>` and
// blocking the thread, so the parent's SIGKILL lands exactly there:
//   model-body      the model file's temporary copy is half written (header and part of the body)
//   model-rename    the model file is complete under its temporary name, not yet renamed
//   optim-rename    the optimizer file is complete under its temporary name, not yet renamed
//   sidecar-rename  the sidecar is written under its temporary name, not yet renamed
//   after-save      checkpoint 2 is complete (the sidecar renamed); before checkpoint 3
// The pause wraps node:fs, which the compiled packages call through the module object at call time.
const fs = require('node:fs');
const { initBackend, Module, silentLogger, tf } = require('@dino-r1/core');
const { AdamW, FrozenInitialAnchor, saveCheckpoint } = require('../dist');

const [dir, point] = process.argv.slice(2);
let step = 0;

function pause() {
  process.stdout.write(`paused ${point}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // blocks until killed
}

const target = (path, name) => step === 2 && String(path).includes(name);
const { writeSync, renameSync } = fs;
const bodyWrites = new Map();
fs.writeSync = function (fd, ...rest) {
  const out = writeSync.call(this, fd, ...rest);
  const path = fs.readlinkSync(`/proc/self/fd/${fd}`);
  if (point === 'model-body' && target(path, 'checkpoint-2.safetensors.tmp-')) {
    bodyWrites.set(path, (bodyWrites.get(path) ?? 0) + 1);
    if (bodyWrites.get(path) === 2) pause(); // after the header and the first tensor
  }
  return out;
};
fs.renameSync = function (from, to) {
  if (point === 'model-rename' && target(to, 'checkpoint-2.safetensors') && !String(to).includes('optim')) pause();
  if (point === 'optim-rename' && target(to, 'checkpoint-2.optim.safetensors')) pause();
  if (point === 'sidecar-rename' && target(to, 'checkpoint-2.json')) pause();
  return renameSync.call(this, from, to);
};

class Big extends Module {
  constructor() {
    super();
    this.w = this.param('w', tf.zeros([4 * 1024 * 1024]));
    this.v = this.param('v', tf.zeros([1024]));
  }
}

(async () => {
  await initBackend('cpu', { logger: silentLogger });
  const model = new Big();
  const optimizer = new AdamW(model.namedParameters(), new Map(), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  const anchor = new FrozenInitialAnchor();
  anchor.attach(model);
  for (step = 1; ; step++) {
    model.w.assign(tf.fill([4 * 1024 * 1024], step));
    model.v.assign(tf.fill([1024], step));
    saveCheckpoint(dir, step, { model, optimizer, anchor }, { test: true });
    process.stdout.write(`saved ${step}\n`);
    if (point === 'after-save' && step === 2) pause();
  }
})();
