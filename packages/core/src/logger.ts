/** Minimal logger contract; the default writes to stderr so that stdout stays machine-readable. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`[dino-r1] ${m}\n`),
  warn: (m) => process.stderr.write(`[dino-r1] warning: ${m}\n`),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined };
