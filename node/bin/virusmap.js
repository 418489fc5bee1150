#!/usr/bin/env node
// npm's bin entry (package.json "bin"). The CLI is TypeScript run by Node 24's type stripping, so
// this file is plain JavaScript any Node can parse: started by an older Node (`npx --prefix DIR
// virusmap` from elsewhere runs the machine's node), it runs the CLI with the project's Node 24,
// which `npm install` put in node_modules (the `node` npm package), or says which Node it needs.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const NEEDED_MAJOR = 24
const CLI_URL = new URL('../src/cli/main.ts', import.meta.url)
const CLI = fileURLToPath(CLI_URL)

/** the Node binary of the `node` npm package this project depends on, if installed */
function projectNode () {
  try {
    const pkg = createRequire(import.meta.url).resolve('node/package.json')
    const bin = join(dirname(pkg), 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

if (Number(process.versions.node.split('.')[0]) >= NEEDED_MAJOR) {
  await import(CLI_URL.href)
} else {
  const runtime = projectNode()
  if (runtime === undefined) {
    process.stderr.write(`virusmap: needs Node.js ${NEEDED_MAJOR} or newer, but this is Node ${process.version} (${process.execPath}), and the project's own Node ${NEEDED_MAJOR} is not installed.\n` +
      `virusmap: run \`npm install\` in ${fileURLToPath(new URL('../..', import.meta.url))} (it installs Node ${NEEDED_MAJOR} from npm's \`node\` package), or put Node ${NEEDED_MAJOR} first on PATH.\n`)
    process.exit(1)
  }
  const child = spawn(runtime, [CLI, ...process.argv.slice(2)], { stdio: 'inherit' })
  // a terminal's Ctrl-C reaches the child too (same process group) and the CLI stops itself; other
  // signals sent to this process alone are passed on
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => { if (signal !== 'SIGINT') child.kill(signal) })
  }
  child.on('error', (err) => {
    process.stderr.write(`virusmap: cannot run ${runtime}: ${err.message}\n`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  })
}
