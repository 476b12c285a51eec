// Child process of checkpoint-kill.test.ts: writes checkpoints of a 16 MB model in a loop until killed.
const { initBackend, Module, silentLogger, tf } = require('@dino-r1/core');
const { AdamW, FrozenInitialAnchor, saveCheckpoint } = require('../dist');

class Big extends Module {
  constructor() {
    super();
    this.w = this.param('w', tf.zeros([4 * 1024 * 1024]));
  }
}

(async () => {
  await initBackend('cpu', { logger: silentLogger });
  const dir = process.argv[2];
  const model = new Big();
  const optimizer = new AdamW(model.namedParameters(), new Map(), { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  const anchor = new FrozenInitialAnchor();
  anchor.attach(model);
  for (let step = 1; ; step++) {
    model.w.assign(tf.fill([4 * 1024 * 1024], step));
    saveCheckpoint(dir, step, { model, optimizer, anchor }, { test: true });
    process.stdout.write(`saved ${step}\n`);
  }
})();
