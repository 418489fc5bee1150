/**
 * How the unit files are split over the runner's processes. Most files take a fraction of a second, but a
 * few wait seconds on real timers (memory networks running quorum windows); split by count, one process
 * drew most of those and ran twice as long as the other (122 s beside 66 s, load 9). The slow files carry
 * their seconds here and go to the emptier process first; a stale figure only makes the split less even.
 */

/**
 * seconds each took inside the runner (npm run test:unit, four processes at once, load 6-8 with other work on the
 * machine: shards of 91, 90, 100 and 96 s, which these figures part as 99, 90, 90 and 94); a file not named takes
 * about DEFAULT_SECONDS (that run's mean of the others)
 */
export const SLOW_UNIT_FILES: ReadonlyMap<string, number> = new Map([
  ['protocol/test/eip712-hash.test.ts', 23],
  ['node/test/intel/reputation/popular-hosts.test.ts', 17],
  ['node/test/quorum/rescan.test.ts', 14],
  ['node/test/network/gossip-relay.test.ts', 14],
  ['node/test/quorum/coordinator-liveness.test.ts', 13],
  ['node/test/scan/tlsh-engine.test.ts', 12],
  ['simulations/test/real-figures.test.ts', 11],
  ['node/test/ingest/sample-store-crash.test.ts', 11],
  ['simulations/test/economy.test.ts', 10],
  ['node/test/report-fetch/forged-list.test.ts', 10],
  ['node/test/ingest/sample-store-bitswap.test.ts', 7],
  ['protocol/test/rewards/fuzzy-index.test.ts', 7],
  ['node/test/quorum/derived-indicators.test.ts', 7],
  ['node/test/quorum/admission.test.ts', 6],
  ['simulations/test/sim-member.test.ts', 6],
  ['node/test/guard/service.test.ts', 5],
  ['node/test/crypto/crypto-pool.test.ts', 5],
  ['node/test/api/upload-limits.test.ts', 5],
  ['node/test/report-fetch/report-fetcher.test.ts', 5],
  ['node/test/api/blocks.test.ts', 5],
  ['node/test/ingest/sample-store-worker-death.test.ts', 5],
  ['node/test/api/ports-compliance.test.ts', 5],
  ['node/test/ingest/sample-store-failures.test.ts', 5],
  ['node/test/quorum/coordinator-equivocation.test.ts', 5],
  ['node/test/cli/purchase.test.ts', 4],
  ['node/test/quorum/coordinator-safety.test.ts', 4],
  ['node/test/admin/admin.test.ts', 4],
  ['node/test/report-fetch/proposal-fetch.test.ts', 4],
  ['node/test/chain/node-provider.test.ts', 4],
  ['node/test/anchors/anchor-service.test.ts', 4],
  ['node/test/api/indicators.test.ts', 4],
  ['node/test/cli/lying-node.test.ts', 4],
  ['node/test/quorum/rescan-recovery-metrics.test.ts', 4],
  ['node/test/ipfs/bitswap-service.test.ts', 4],
  ['node/test/tooling/layers.test.ts', 4],
  ['node/test/report-fetch/missed-job.test.ts', 3],
  ['node/test/quorum/coordinator-restart.test.ts', 3]
])

const DEFAULT_SECONDS = 0.6

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
