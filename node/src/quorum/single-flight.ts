/**
 * Runs `fn` for a key at most once at a time: a call while one runs for the same key joins it, and the
 * next call after it ended runs again. A member's reveal is asked for by the early path (every member
 * committed, seen from its own commitment and from each peer's) and by the deadline timer; the step's own
 * "not revealed yet" check reads the store before it signs and sends, so two calls a moment apart both
 * passed it and the member revealed twice (one duplicate verdict a job on the devnet).
 */
export function singleFlight<K> (fn: (key: K) => Promise<void>): (key: K) => Promise<void> {
  const running = new Map<K, Promise<void>>()
  return async (key) => {
    let run = running.get(key)
    if (run === undefined) {
      run = fn(key).finally(() => { running.delete(key) })
      running.set(key, run)
    }
    await run
  }
}
