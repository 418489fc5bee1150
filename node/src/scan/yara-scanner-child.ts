/**
 * Entry point of a YARA scanner process: compiles the rules it is sent once, then scans the
 * frames that arrive on stdin one at a time and answers over IPC. Whatever goes wrong in here
 * (a native crash in the matcher, a rule that never ends, running out of memory) ends this
 * process only; the engine kills it on its budget and starts another.
 */
import { EngineError } from './engine.ts'
import { TEST_HOOKS } from './worker-protocol.ts'
import { createFrameReader } from './yara-scanner-protocol.ts'
import { YARA_X_VERSION, loadRules } from './yara-rules.ts'
import type { ScannerInit, ScannerReply } from './yara-scanner-protocol.ts'

const send = (reply: ScannerReply): void => { process.send?.(reply) }

function misbehave (bytes: Buffer): void {
  const head = bytes.subarray(0, 32).toString('latin1')
  // what a fault in the native matcher looks like from outside
  if (head.startsWith(TEST_HOOKS.crash)) process.kill(process.pid, 'SIGSEGV')
  if (head.startsWith(TEST_HOOKS.throw)) throw new Error('scanner blew up')
  if (head.startsWith(TEST_HOOKS.oom)) {
    const hoard: number[][] = []
    for (;;) hoard.push(Array.from({ length: 1 << 16 }, (_, i) => i))
  }
}

// the parent gone (its IPC channel closed) leaves nobody to scan for
process.on('disconnect', () => { process.exit(0) })

process.once('message', (init: ScannerInit) => {
  let rules: ReturnType<typeof loadRules>
  try {
    rules = loadRules(init.files, { untrusted: init.untrusted === true })
  } catch (err) {
    const code = err instanceof EngineError && (err.code === 'RULES_COMPILE_FAILED' || err.code === 'NO_RULES') ? err.code : 'ENGINE_UNAVAILABLE'
    send({ type: 'init-error', code, message: err instanceof Error ? err.message : String(err) })
    return
  }
  process.stdin.on('data', createFrameReader((id, bytes) => {
    if (init.testHooks) misbehave(bytes)
    try {
      send({ type: 'result', id, matches: rules.scan(bytes) })
    } catch (err) {
      send({ type: 'error', id, message: err instanceof Error ? err.message : String(err) })
    }
  }))
  send({ type: 'ready', version: `yara-x ${YARA_X_VERSION}`, compiled: rules.compiled, skipped: rules.skipped })
})
