// Latency of an async call as the guard benches measure it: three warm-up calls, then `runs` timed ones.

export const quantile = (xs: number[], q: number): number => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN

export async function measureLatency (fn: () => Promise<unknown>, runs: number): Promise<{ p50: number, p95: number }> {
  for (let i = 0; i < 3; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) }
}
