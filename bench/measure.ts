// The bench harness: timed samples, percentiles and a table with ratios to the first row.

export interface Result {
  name: string;
  samples: number[];
}

export async function measure(name: string, iterations: number, run: (i: number) => Promise<unknown>): Promise<Result> {
  for (let i = 0; i < Math.max(50, iterations / 10); i += 1) await run(i); // warm-up: JIT and caches
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { name, samples };
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function report(title: string, perUnit: string, results: Result[], divisor = 1): void {
  const baseline = percentile(results[0]!.samples, 50) / divisor;
  console.log(`\n${title}`);
  console.log(`${'variant'.padEnd(58)} ${`p50 ${perUnit}`.padStart(14)} ${`p99 ${perUnit}`.padStart(14)}   ratio (p50)`);
  for (const r of results) {
    const p50 = percentile(r.samples, 50) / divisor;
    const p99 = percentile(r.samples, 99) / divisor;
    console.log(`${r.name.padEnd(58)} ${p50.toFixed(3).padStart(14)} ${p99.toFixed(3).padStart(14)}   ${(p50 / baseline).toFixed(2)}×`);
  }
}
