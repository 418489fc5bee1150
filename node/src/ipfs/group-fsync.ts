/**
 * fsync(2) of a path for many callers at once: each caller gets an fsync that started after it
 * asked, so it covers whatever the caller did before (a rename into a directory), and the callers
 * that ask while one runs share the next. Concurrent puts into one directory, or new shards named
 * in the root, then cost one or two fsyncs instead of one each.
 */
export function createGroupFsync (fsyncPath: (p: string) => Promise<void>): (p: string) => Promise<void> {
  const paths = new Map<string, { running: Promise<void>, next?: Promise<void> }>()
  const start = (p: string): Promise<void> => {
    const entry: { running: Promise<void>, next?: Promise<void> } = { running: fsyncPath(p) }
    paths.set(p, entry)
    const done = (): void => { if (paths.get(p) === entry && entry.next === undefined) paths.delete(p) }
    entry.running.then(done, done)
    return entry.running
  }
  return async (p) => {
    const entry = paths.get(p)
    if (entry === undefined) return await start(p)
    // the one running may have started before this caller's changes: wait for the next
    entry.next ??= entry.running.catch(() => {}).then(async () => await start(p))
    return await entry.next
  }
}
