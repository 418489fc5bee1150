import { setTimeout as sleep } from 'node:timers/promises'

/**
 * The services that follow the chain (anchors, rewards, market deliveries, hunting) run one pass now and
 * another `intervalMs` after each ends, until `signal` aborts; this resolves once the last pass is over,
 * so a stop can await it. A pass reports its own failures: one that throws ends the loop.
 */
export async function pollUntilAborted (pass: () => Promise<void>, intervalMs: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await pass()
    await sleep(intervalMs, undefined, { signal }).catch(() => {})
  }
}
