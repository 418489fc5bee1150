import { setTimeout as sleep } from 'node:timers/promises'

/**
 * How long until the next multiple of `intervalMs` on the clock at least half an interval away: every loop of a
 * node that follows the chain (the registry follower, anchors, rewards, market deliveries and fulfils, hunting,
 * report fetches) wakes at the same moments, so one head read serves them all (node-provider.ts shares it) and
 * the blocks a pass reads are the ones the registry follower read in the same moment. A pass that ends just
 * before a multiple waits for the one after (passes stay about an interval apart). 0 for an interval of 0.
 */
export function untilNextPoll (intervalMs: number, now = Date.now()): number {
  if (intervalMs <= 0) return 0
  const next = intervalMs - (now % intervalMs)
  return next < intervalMs / 2 ? next + intervalMs : next
}

/**
 * The services that follow the chain run one pass now and another at each multiple of `intervalMs` on the
 * clock after one ends (untilNextPoll), until `signal` aborts; this resolves once the last pass is over,
 * so a stop can await it. A pass reports its own failures: one that throws ends the loop.
 */
export async function pollUntilAborted (pass: () => Promise<void>, intervalMs: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await pass()
    await sleep(untilNextPoll(intervalMs), undefined, { signal }).catch(() => {})
  }
}
