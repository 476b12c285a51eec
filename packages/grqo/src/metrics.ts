/** Metrics sinks: `metrics.jsonl` (one JSON object per logged step) and an in-memory one for tests. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MetricsRecord, MetricsSink } from '@dino-r1/core';

export class JsonlMetricsSink implements MetricsSink {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }
  write(record: MetricsRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
  async close(): Promise<void> {}
}

export class MemoryMetricsSink implements MetricsSink {
  readonly records: MetricsRecord[] = [];
  write(record: MetricsRecord): void {
    this.records.push(record);
  }
  async close(): Promise<void> {}
}
