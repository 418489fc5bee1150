// Preloaded into each supernode by `bench/load.ts --rpc-count` (NODE_OPTIONS=--import): counts the JSON-RPC
// requests the node's provider actually sends (after NodeProvider's head sharing), by method, and with
// VIRUSMAP_RPC_COUNT_CALLERS=1 also by the node's function that asked (the nearest node/src frame of the
// async stack), and writes the counts to $VIRUSMAP_RPC_COUNT_DIR/<pid>.json every 500 ms for the bench to read.
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isMainThread } from 'node:worker_threads'
import { JsonRpcProvider } from 'ethers'

const dir = process.env.VIRUSMAP_RPC_COUNT_DIR
const callers = process.env.VIRUSMAP_RPC_COUNT_CALLERS === '1'
const counts: Record<string, number> = {}
const PROJECT_FRAME = /(?:node|protocol)\/src\/[^:)]+:\d+/g

/** the node's frames under the request, innermost first, without ethers' own */
function caller (): string {
  const frames = new Error().stack?.match(PROJECT_FRAME) ?? []
  return frames.filter((f) => !f.includes('node-provider.ts')).slice(0, 2).join(' < ')
}

// the preload runs in every worker thread too, under the same pid: only the main thread's provider counts
if (dir !== undefined && isMainThread) {
  const send = JsonRpcProvider.prototype.send
  JsonRpcProvider.prototype.send = async function (this: JsonRpcProvider, method: string, params: unknown[] | Record<string, unknown>) {
    counts[method] = (counts[method] ?? 0) + 1
    if (callers) {
      const key = `${method} ${caller()}`
      counts[key] = (counts[key] ?? 0) + 1
    }
    return await send.call(this, method, params)
  }
  const file = join(dir, `${process.pid}.json`)
  // renamed into place: the bench never reads a file half written
  setInterval(() => {
    writeFileSync(`${file}.tmp`, JSON.stringify(counts))
    renameSync(`${file}.tmp`, file)
  }, 500).unref()
}
