/**
 * Runs unit test files many to a process. tap starts one Node process per file, and each paid about 0.75 s
 * of CPU to start and import tap, libp2p, ethers and the node's own modules before its first test: 219
 * files took 235 s of CPU that way and take 70 s here (idle machine). Each file is imported in turn, as a
 * subtest named after it, so the modules load once a process. A file's `tap` is that subtest (file-tap.ts),
 * so its top-level teardown, before, jobs and testdir stay its own and its failures are reported under its
 * name; the unit guard names it too. Files run one after another, as a process's tests do. `npm run
 * test:unit` and `npm test` run the unit files in UNIT_SHARDS processes (unit-1.ts to unit-4.ts); the rest,
 * *.e2e.test.ts and *.slow.test.ts, keep a process each (.taprc).
 */
import { globSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import tap from 'tap'
import { redirectTap, runningFile, watchFileTests } from './file-tap.ts'
import { guardedFile, processStartsSoFar } from '../fixtures/unit-guard.ts'

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')

/** where test files live (.taprc names the same folders for the e2e and slow files) */
export const TEST_FOLDERS = ['protocol/test', 'node/test', 'contracts/test', 'governance/test', 'simulations/test'] as const

/**
 * the processes the unit files are split over. Much of the unit files' time is waiting on real timers
 * (quorum windows, gossip), so four processes keep this machine's two cores busy where two left them idle:
 * `npm run test:unit` runs all four at once (--jobs=4); at load ~15, 216 s -> 130 s wall for 70 -> 75 s of
 * CPU (modules load in four processes). `npm test` runs them among the e2e files, two at a time (.taprc jobs).
 */
export const UNIT_SHARDS = 4

/** Whether a path (from the repository's root) is a unit test file: not an e2e or slow one, nor a fixture. */
export const isUnitTestFile = (path: string): boolean =>
  path.endsWith('.test.ts') && !/\.(e2e|slow)\.test\.ts$/.test(path) && !/(^|\/)(fixtures?|dist)\//.test(path)

/** Every unit test file, sorted, as paths from the repository's root. */
export function unitTestFiles (): string[] {
  return globSync(TEST_FOLDERS.map((folder) => `${folder}/**/*.test.ts`), { cwd: ROOT }).filter(isUnitTestFile).toSorted()
}

/** What runTestFiles may be told: where the paths start, and how long the process may outlive its last test. */
export interface RunOptions {
  root?: string
  lingerMs?: number
}

/**
 * Imports each file (paths from `root`) as a subtest named after it. Each gets the time tap gives a file
 * (TAP_TIMEOUT, as tap's root test reads it), and the run as long as the files would take one by one. A
 * process that outlives its last test by `lingerMs` is held by something a file left running (a timer, a
 * socket): tap would have timed that file out in its own process, so the run fails, naming what is left.
 */
/** the folder tap's fixture plugin names after a test file it runs alone (@tapjs/fixture), its tests' folders beside it */
const fixturesOf = (file: string): string =>
  resolve(process.env.TAP_CWD ?? process.cwd(), '.tap/fixtures', file.replace(/[^a-zA-Z0-9._-]+/g, '-'))

export function runTestFiles (files: readonly string[], { root = ROOT, lingerMs = 30_000 }: RunOptions = {}): void {
  const perFileMs = Number(process.env.TAP_TIMEOUT ?? '30') * 1000
  tap.setTimeout(perFileMs * files.length + lingerMs)
  redirectTap()
  const ended = files.map(async (file) => await tap.test(file, { timeout: perFileMs }, async (t) => {
    // the file's fixtures go where tap puts them when it runs the file alone: under the runner's own name
    // too, a long test name made a folder name past 255 bytes (ENAMETOOLONG)
    t.testdirName = fixturesOf(file)
    runningFile(t)
    guardedFile(file)
    const before = processStartsSoFar().length
    const testsEnded = watchFileTests(t)
    try {
      await import(pathToFileURL(join(root, file)).href)
      await testsEnded()
    } finally {
      runningFile(undefined)
    }
    for (const error of processStartsSoFar().slice(before)) t.fail(error.message, { code: error.code, command: error.command })
  }))
  // unref'd: it fires only if something else still holds the process
  void Promise.allSettled(ended).then(() => setTimeout(() => {
    process.stderr.write(`\nthe test files ended ${lingerMs} ms ago, but the process is held by what they left running: ${process.getActiveResourcesInfo().join(', ')}\n`)
    process.exit(1)
  }, lingerMs).unref())
}
