/** Summary statistics over seeds or draws: the mean and the sample standard deviation (n − 1; 0 for one value). */
export const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

export function sampleSd(v: readonly number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}
