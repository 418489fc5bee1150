/**
 * Entry point of an engine worker thread: imports the engine module named in workerData, builds
 * its scanner once, then answers scan requests one at a time. Anything that goes wrong inside
 * (a parser exception, a hang, running out of heap) stays inside this thread: the parent
 * terminates or replaces it and reports `timeout`/`failure`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { TEST_HOOKS } from './worker-protocol.ts'
import type { CreateScanner, HostReply, HostRequest } from './worker-protocol.ts'

interface HostData { module: string, options: unknown, testHooks: boolean }

const port = parentPort
if (port == null) throw new Error('worker-host.ts must run in a worker thread')
const data = workerData as HostData
// a worker_threads port, not a window: there is no target origin
// oxlint-disable-next-line unicorn/require-post-message-target-origin
const post = (reply: HostReply): void => { port.postMessage(reply) }

function misbehave (bytes: Uint8Array): void {
  const head = Buffer.from(bytes.subarray(0, 32)).toString('latin1')
  if (head.startsWith(TEST_HOOKS.hang)) for (;;) { /* spin until terminated */ }
  if (head.startsWith(TEST_HOOKS.crash)) process.exit(70)
  // thrown from the message handler: an uncaught exception that ends the worker
  if (head.startsWith(TEST_HOOKS.throw)) throw new Error('engine worker blew up')
  if (head.startsWith(TEST_HOOKS.oom)) {
    const hoard: number[][] = []
    for (;;) hoard.push(Array.from({ length: 1 << 16 }, (_, i) => i))
  }
}

try {
  const mod = await import(data.module) as { createScanner: CreateScanner }
  const scanner = await mod.createScanner(data.options)
  post({ type: 'ready', version: scanner.version, signatureDate: scanner.signatureDate() })
  port.on('message', (request: HostRequest) => {
    if (data.testHooks) misbehave(request.bytes)
    scanner.scan(request.bytes, { fileType: request.fileType }).then(
      verdict => { post({ type: 'result', id: request.id, verdict, signatureDate: scanner.signatureDate() }) },
      (err: unknown) => { post({ type: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) }) }
    )
  })
} catch (err) {
  post({ type: 'init-error', message: err instanceof Error ? err.message : String(err) })
}
