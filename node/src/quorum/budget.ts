/**
 * The scan budget's end is the answer's end (SPEC section 10): work still running when `signal`
 * aborts (an engine killing its process, a bitswap want on a loaded machine) must not hold a
 * member's commitment past its deadline. Resolves with the work's value, or with undefined once
 * `signal` aborts; the work's later rejection is swallowed.
 */
export async function withinBudget<T> (work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    work.catch(() => {})
    return undefined
  }
  let onAbort: (() => void) | undefined
  const ended = new Promise<undefined>((resolve) => {
    onAbort = () => { resolve(undefined) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    const result = await Promise.race([work, ended])
    if (result === undefined && signal.aborted) work.catch(() => {})
    return result
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}
