// TapFailures: the failed leaves of a TAP stream with their subtest path and diagnostics, so `npm test` ends by
// naming them; parents that failed only through a child, TODO and SKIP lines and passing lines are not named.
import tap from 'tap'
import { DIAGNOSTIC_LINES, formatFailures, TapFailures } from '../runner/tap-failures.ts'

const feed = (text: string): TapFailures => {
  const failures = new TapFailures()
  for (const line of text.split('\n')) failures.line(line)
  return failures
}

const RUN = `# Subtest: node/test/a.e2e.test.ts
    # Subtest: posts again
        ok 1 - posted once
        not ok 2 - posted again
          ---
          diff: |
            -  3n,
            +  0n,
          ...
        
        1..2
    not ok 1 - posts again # time=20979.588ms
      ---
      at:
        lineNumber: 54
      ...
    
    1..1
not ok 1 - node/test/a.e2e.test.ts # time=23750.732ms
  ---
  exitCode: 1
  ...

# Subtest: node/test/b.e2e.test.ts
    not ok 1 - not yet # TODO later
    ok 2 - skipped # SKIP no yara
    not ok 3 - skipped too # SKIP no clamd
    1..3
ok 2 - node/test/b.e2e.test.ts # time=5ms

# Subtest: node/test/c.e2e.test.ts
    1..0
not ok 3 - node/test/c.e2e.test.ts # time=300000ms
  ---
  signal: SIGTERM
  ...
# { total: 5, pass: 3, fail: 2 }`

tap.test('the failed leaves: an assertion under its subtests, a file that failed with no failed test', async (t) => {
  const leaves = feed(RUN).leaves()
  t.same(leaves.map((l) => l.path), [
    ['node/test/a.e2e.test.ts', 'posts again', 'posted again'],
    ['node/test/c.e2e.test.ts']
  ])
  t.same(leaves[0]?.diagnostics, ['---', 'diff: |', '  -  3n,', '  +  0n,', '...'], 'the YAML block, unindented')
  t.same(leaves[1]?.diagnostics, ['---', 'signal: SIGTERM', '...'])
  t.equal(formatFailures(leaves), [
    '# 2 failed:',
    '#   node/test/a.e2e.test.ts > posts again > posted again',
    '#       ---', '#       diff: |', '#         -  3n,', '#         +  0n,', '#       ...',
    '#   node/test/c.e2e.test.ts',
    '#       ---', '#       signal: SIGTERM', '#       ...', ''
  ].join('\n'))
})

tap.test('a run that passed, or an empty one, prints nothing', async (t) => {
  t.equal(formatFailures(feed('# Subtest: x\n    ok 1 - fine\n    1..1\nok 1 - x # time=1ms\n').leaves()), '')
  t.equal(formatFailures(feed('').leaves()), '')
})

tap.test('hostile streams: a huge diagnostic is cut, junk lines and a "not ok" with no name or no subtest are kept sane', async (t) => {
  const long = ['not ok 1 - big', '  ---', ...Array.from({ length: 10_000 }, (_, i) => `  line ${i}`), '  ...'].join('\n')
  const big = feed(long).leaves()
  t.equal(big[0]?.diagnostics.length, DIAGNOSTIC_LINES, 'at most DIAGNOSTIC_LINES kept')
  const odd = feed(['\u0000\uffff garbage', 'not ok 7', '      not ok 2 - deeper than any subtest', '  # Subtest: two spaces', '      # Subtest: six', '# Subtest: __proto__', '    not ok 1 - constructor', '  ---', '  not yaml: the block is under its own line'].join('\n')).leaves()
  t.same(odd.map((l) => l.path), [['(unnamed)'], ['deeper than any subtest'], ['__proto__', 'constructor']], 'a line under a failure that is not its YAML is read as a line')
  t.same(odd[2]?.diagnostics, [], 'a YAML start at the wrong indent is not its block')
  t.same(feed('        # Subtest: deep\n            not ok 1 - x').leaves().map((l) => l.path), [['?', '?', 'deep', 'x']], 'levels never named read as "?"')
  t.same(Object.getPrototypeOf({}), Object.prototype, 'nothing polluted')
})
