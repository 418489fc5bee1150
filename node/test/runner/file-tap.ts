/**
 * What `import tap from 'tap'` gives a test file run by the unit runner (unit-runner.ts): the runner's
 * subtest named after the file, in place of tap's root. The file's top-level before, teardown, jobs and
 * testdir are then its own, as when tap runs it alone in a process, and a failing test is reported under
 * its file's name. redirectTap() points the `tap` of every module outside node_modules here.
 */
import { registerHooks } from 'node:module'
import type { Test } from 'tap'

export class FileTapError extends Error {
  readonly code = 'TAP_OUTSIDE_FILE'
  constructor () {
    super('tap was used while the unit runner ran no test file (at import, before the first file, or after the last)')
    this.name = 'FileTapError'
  }
}

let current: Test | undefined

/** The unit runner names the test `tap` stands for while it runs one file (undefined between files). */
export function runningFile (t: Test | undefined): void {
  current = t
}

/**
 * Counts the tests started on `t`, a file's `tap`, from now on; the returned function settles once all have
 * ended (a test's own subtests end before it).
 */
export function watchFileTests (t: Test): () => Promise<void> {
  let open = 0
  let allEnded: (() => void) | undefined
  t.on('subtestAdd', () => { open++ })
  t.on('subtestEnd', () => {
    open--
    if (open === 0) allEnded?.()
  })
  return async () => {
    if (open > 0) await new Promise<void>((resolve) => { allEnded = resolve })
  }
}

const fileTest = (): Test => {
  if (current === undefined) throw new FileTapError()
  return current
}

/**
 * Stands for the running file's test: a method is its method, a property (tap.jobs) reads and writes its.
 * Methods are bound, not wrapped, so tap still places each test at the file's line that called it.
 */
const fileTap = new Proxy({}, {
  get (_, key) {
    const t = fileTest()
    const value: unknown = Reflect.get(t, key, t)
    return typeof value === 'function' ? value.bind(t) : value
  },
  set (_, key, value) { return Reflect.set(fileTest(), key, value) },
  has (_, key) { return Reflect.has(fileTest(), key) }
}) as Test

export default fileTap

/** From now on `tap`, imported by a module outside node_modules, is this module; tap's own plugins keep theirs. */
export function redirectTap (): void {
  const self = import.meta.url
  registerHooks({
    resolve (specifier, context, next) {
      const parent = context.parentURL
      if (specifier !== 'tap' || parent === undefined || parent.includes('/node_modules/')) return next(specifier, context)
      return { url: self, shortCircuit: true }
    }
  })
}
