/**
 * How the unit files are split over the runner's processes. Most files take a fraction of a second, but a
 * few wait seconds on real timers (memory networks running quorum windows); split by count, one process
 * drew most of those and ran twice as long as the other (122 s beside 66 s, load 9). The slow files carry
 * their seconds here and go to the emptier process first; a stale figure only makes the split less even.
 */

/**
 * seconds each took inside the runner (npm run test:unit, four processes at once, load 2-4: shards of 63, 68, 50
 * and 80 s, which these figures part as 63, 64, 66 and 68); a file not named takes about DEFAULT_SECONDS
 */
export const SLOW_UNIT_FILES: ReadonlyMap<string, number> = new Map([
  ['node/test/quorum/rescan.test.ts', 18],
  ['node/test/quorum/coordinator-liveness.test.ts', 14],
  ['node/test/network/gossip-relay.test.ts', 12],
  ['node/test/quorum/admission.test.ts', 9],
  ['node/test/intel/reputation/popular-hosts.test.ts', 7],
  ['node/test/scan/tlsh-engine.test.ts', 6],
  ['node/test/quorum/coordinator-safety.test.ts', 6],
  ['node/test/quorum/rescan-recovery-metrics.test.ts', 6],
  ['node/test/ingest/sample-store-crash.test.ts', 6],
  ['simulations/test/real-figures.test.ts', 5],
  ['simulations/test/economy.test.ts', 5],
  ['simulations/test/sim-member.test.ts', 5],
  ['node/test/guard/service.test.ts', 5],
  ['node/test/quorum/coordinator-equivocation.test.ts', 5],
  ['protocol/test/eip712-hash.test.ts', 5],
  ['node/test/ingest/sample-store-bitswap.test.ts', 5],
  ['node/test/quorum/derived-indicators.test.ts', 4],
  ['node/test/admin/admin.test.ts', 4],
  ['node/test/api/upload-limits.test.ts', 4],
  ['node/test/chain/node-provider.test.ts', 4],
  ['node/test/anchors/anchor-service.test.ts', 4],
  ['node/test/report-fetch/proposal-fetch.test.ts', 4],
  ['node/test/ipfs/bitswap-service.test.ts', 4],
  ['node/test/crypto/crypto-pool.test.ts', 4],
  ['node/test/report-fetch/missed-job.test.ts', 4],
  ['node/test/api/anchors.test.ts', 4],
  ['node/test/ingest/sample-store-failures.test.ts', 4],
  ['node/test/cli/lying-node.test.ts', 4],
  ['node/test/api/object-cache.test.ts', 3],
  ['node/test/api/indicators.test.ts', 3]
])

const DEFAULT_SECONDS = 0.45

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
