/**
 * Collects the failures of a TAP stream, so that a run of 21,000 assertions ends by naming what failed.
 * CI keeps only the tail of a run's output; a failure printed ten minutes before the end was lost there.
 * Pure: fed lines, it answers the failed leaves with their path of subtests and their YAML diagnostics.
 */

/** one failed assertion or subtest that has no failed child: its path from the file down, and its diagnostics */
export interface TapFailure {
  path: string[]
  diagnostics: string[]
}

const SUBTEST = /^(\s*)# Subtest: (.*)$/
const NOT_OK = /^(\s*)not ok \d+(?: - (.*))?$/
const DIRECTIVE = /# (TODO|SKIP)\b/
/** tap ends a subtest's result line with its time: the name without it is the name its "# Subtest:" line gave */
const TIME = / # time=[\d.]+m?s$/

/** how many lines of a failure's diagnostics are kept: enough for its error, its stack's first frames and its location */
export const DIAGNOSTIC_LINES = 40

export class TapFailures {
  readonly #names: string[] = []
  readonly #failures: TapFailure[] = []
  #open: TapFailure | undefined
  #openIndent = ''
  #yaml = false

  /** feeds one line of the stream, without its line end */
  line (text: string): void {
    if (this.#open !== undefined && this.#inYaml(text)) return
    const subtest = SUBTEST.exec(text)
    if (subtest !== null) {
      const [, indent = '', name = ''] = subtest
      const depth = Math.floor(indent.length / 4)
      this.#names.length = depth
      this.#names[depth] = name
      return
    }
    const failed = NOT_OK.exec(text)
    if (failed === null || DIRECTIVE.test(text)) return
    const [, indent = '', name = '(unnamed)'] = failed
    // a level no "# Subtest:" line named (a stream that skipped one) reads as "?"
    const within = Array.from(this.#names.slice(0, Math.floor(indent.length / 4)), (n) => n ?? '?')
    const failure = { path: [...within, name.replace(TIME, '')], diagnostics: [] }
    this.#failures.push(failure)
    this.#open = failure
    this.#openIndent = `${indent}  `
    this.#yaml = false
  }

  /** whether `text` belongs to the open failure's YAML block ("---" to "..." right under its line), kept up to DIAGNOSTIC_LINES */
  #inYaml (text: string): boolean {
    const open = this.#open as TapFailure
    const own = text.startsWith(this.#openIndent) ? text.slice(this.#openIndent.length) : undefined
    if (own === undefined || (!this.#yaml && own !== '---')) {
      this.#open = undefined
      return false
    }
    this.#yaml = true
    if (open.diagnostics.length < DIAGNOSTIC_LINES) open.diagnostics.push(own)
    if (own === '...') this.#open = undefined
    return true
  }

  /** the failures with no failed child, in the order they ended */
  leaves (): TapFailure[] {
    const within = (outer: TapFailure, inner: TapFailure): boolean =>
      inner !== outer && inner.path.length > outer.path.length && outer.path.every((name, i) => inner.path[i] === name)
    return this.#failures.filter((failure) => !this.#failures.some((other) => within(failure, other)))
  }
}

/** the summary printed after the stream: nothing when all passed */
export function formatFailures (leaves: readonly TapFailure[]): string {
  if (leaves.length === 0) return ''
  const lines = [`# ${leaves.length} failed:`]
  for (const { path, diagnostics } of leaves) {
    lines.push(`#   ${path.join(' > ')}`)
    for (const diagnostic of diagnostics) lines.push(`#       ${diagnostic}`)
  }
  return `${lines.join('\n')}\n`
}
