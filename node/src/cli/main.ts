#!/usr/bin/env node
// The `virusmap` executable: the only place that reads process argv, env and signals.
// first: it sizes libuv's threadpool, which must happen before anything uses it
import './threadpool.ts'
import { runCli } from './run.ts'

const controller = new AbortController()
let interrupts = 0
const onSignal = (): void => {
  // first signal: stop gracefully; second: the user means it
  if (++interrupts > 1) process.exit(130)
  controller.abort(new Error('interrupted'))
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

// a supernode spawned by the devnet stops by itself if the devnet dies without stopping it
// (SIGKILL, crash): it has been re-parented then
let parentWatch: NodeJS.Timeout | undefined
if (process.env.VIRUSMAP_EXIT_WITH_PARENT === '1') {
  const parent = process.ppid
  parentWatch = setInterval(() => {
    if (process.ppid !== parent) controller.abort(new Error('parent process exited'))
  }, 1000)
  parentWatch.unref()
}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  env: process.env,
  cwd: process.cwd()
})
process.exitCode = code
clearInterval(parentWatch)
process.off('SIGINT', onSignal)
process.off('SIGTERM', onSignal)
