/** One logged training step (DESIGN.md §9 `metrics.jsonl`). */
export interface MetricsRecord {
  readonly step: number;
  readonly [name: string]: number | string | undefined;
}

/** Where metrics go: a jsonl file, the console, a test's array, a dashboard. */
export interface MetricsSink {
  write(record: MetricsRecord): void;
  close(): Promise<void>;
}
