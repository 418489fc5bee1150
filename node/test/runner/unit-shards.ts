/**
 * How the unit files are split over the runner's processes. Most files take a fraction of a second, but a
 * few wait seconds on real timers (memory networks running quorum windows); split by count, one process
 * drew most of those and ran twice as long as the other (122 s beside 66 s, load 9). The slow files carry
 * their seconds here and go to the emptier process first; a stale figure only makes the split less even.
 */

/**
 * seconds each took inside the runner (npm run test:unit, four processes at once, on a quiet machine, load 2.6 at
 * the start: shards of 45, 30, 44 and 50 s, 52 s wall), the 33 files of 1.5 s or more; a file not named takes about
 * DEFAULT_SECONDS (that run's mean of the other 192)
 */
export const SLOW_UNIT_FILES: ReadonlyMap<string, number> = new Map([
  ['node/test/quorum/rescan.test.ts', 12.7],
  ['node/test/quorum/coordinator-liveness.test.ts', 10.7],
  ['protocol/test/eip712-hash.test.ts', 6.9],
  ['node/test/network/gossip-relay.test.ts', 6.6],
  ['node/test/scan/tlsh-engine.test.ts', 6.0],
  ['node/test/quorum/admission.test.ts', 5.5],
  ['node/test/guard/service.test.ts', 4.9],
  ['simulations/test/sim-member.test.ts', 4.8],
  ['node/test/quorum/coordinator-safety.test.ts', 4.1],
  ['node/test/quorum/coordinator-equivocation.test.ts', 4.1],
  ['node/test/chain/node-provider.test.ts', 3.8],
  ['node/test/api/upload-limits.test.ts', 3.7],
  ['node/test/report-fetch/forged-list.test.ts', 3.3],
  ['node/test/quorum/rescan-recovery-metrics.test.ts', 3.2],
  ['node/test/cli/lying-node.test.ts', 3.2],
  ['node/test/intel/reputation/popular-hosts.test.ts', 3.0],
  ['node/test/ingest/sample-store-crash.test.ts', 2.9],
  ['node/test/quorum/derived-indicators.test.ts', 2.9],
  ['node/test/ipfs/bitswap-service.test.ts', 2.7],
  ['simulations/test/economy.test.ts', 2.6],
  ['node/test/quorum/coordinator-restart.test.ts', 2.6],
  ['node/test/ingest/sample-store-failures.test.ts', 2.5],
  ['node/test/report-fetch/report-fetcher.test.ts', 2.3],
  ['node/test/admin/admin.test.ts', 2.2],
  ['node/test/anchors/anchor-service.test.ts', 2.0],
  ['node/test/api/anchors.test.ts', 2.0],
  ['node/test/api/blocks.test.ts', 1.9],
  ['node/test/cli/indicators.test.ts', 1.9],
  ['node/test/crypto/crypto-pool.test.ts', 1.9],
  ['node/test/api/ports-compliance.test.ts', 1.9],
  ['simulations/test/real-figures.test.ts', 1.7],
  ['node/test/ingest/sample-store-worker-death.test.ts', 1.6],
  ['node/test/hunt/webhook-dispatcher.test.ts', 1.5]
])

const DEFAULT_SECONDS = 0.23

/**
 * The files of shard `n` (1-based) of `of`, in their given order: slowest first, each file goes to the shard
 * with the fewest seconds so far (the lowest-numbered on a tie), so equal files alternate.
 */
export function shardOf (files: readonly string[], n: number, of: number, seconds: ReadonlyMap<string, number> = SLOW_UNIT_FILES): string[] {
  const cost = (file: string): number => seconds.get(file) ?? DEFAULT_SECONDS
  const totals = Array.from({ length: of }, () => 0)
  const mine = new Set<string>()
  for (const file of files.toSorted((a, b) => cost(b) - cost(a))) {
    const least = totals.indexOf(Math.min(...totals))
    totals[least] = (totals[least] ?? 0) + cost(file)
    if (least === n - 1) mine.add(file)
  }
  return files.filter((file) => mine.has(file))
}
