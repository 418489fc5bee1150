/**
 * `npm test`'s runner: tap, its output passed through line by line, then the failures named again at the end
 * (tap-failures.ts). CI shows the tail of a run; a failure printed minutes before the summary was out of it.
 * Arguments go to tap; the exit code is tap's.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { formatFailures, TapFailures } from './tap-failures.ts'

const tapPackage = createRequire(import.meta.url).resolve('tap/package.json')
const tapBin = join(dirname(tapPackage), (JSON.parse(readFileSync(tapPackage, 'utf8')) as { bin: { tap: string } }).bin.tap)
const child = spawn(process.execPath, [tapBin, ...process.argv.slice(2)], { stdio: ['inherit', 'pipe', 'inherit'] })
const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => { child.once('exit', (c, s) => { resolve([c, s]) }) })
const failures = new TapFailures()
for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
  failures.line(line)
  process.stdout.write(`${line}\n`)
}
const [code, signal] = await exited
process.stdout.write(formatFailures(failures.leaves()))
process.exitCode = code ?? (signal === null ? 1 : 128)
