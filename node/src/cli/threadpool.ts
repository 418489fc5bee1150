/**
 * Sizes libuv's threadpool, which runs every fs call and LevelDB write of a node. An fsync holds
 * one of its threads for a device flush, and Node's default of 4 threads caps a node at 4 at
 * once, with a synced database write queued behind them: a 64 MiB ingest makes about 130 (each
 * block and its directory). The pool is sized when it is first used, so the entry point imports
 * this before anything else. An operator's own UV_THREADPOOL_SIZE is kept.
 */
export const THREADPOOL_SIZE = 16

process.env.UV_THREADPOOL_SIZE ??= String(THREADPOOL_SIZE)
