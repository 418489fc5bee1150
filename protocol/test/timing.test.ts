import tap from 'tap'
import {
  attestAt, attestDeadline, clampWindow, DEFAULT_JOB_BOUNDS, JOB_BOUND_PARAMETERS, jobBoundsFrom, jobEndsAt, scanDeadline, windowsWithinBounds
} from '../src/index.ts'
import type { JobBounds } from '../src/index.ts'

const DAY = 86_400_000
type Raw = bigint | number | null | undefined
/** bounds from a partial map of parameter values (the rest unset) */
const from = (values: Partial<Record<keyof JobBounds, Raw>>): JobBounds => jobBoundsFrom(name => values[name])

/** a job created at 1 000 000 ms with these window lengths */
const windowsOf = (commit: number, reveal: number) => ({ createdAt: 1_000_000, commitDeadline: 1_000_000 + commit, revealDeadline: 1_000_000 + commit + reveal })

tap.test('the defaults and the parameter names are SPEC section 5\'s', async t => {
  t.same(DEFAULT_JOB_BOUNDS, {
    minCommitWindowMs: 1000, maxCommitWindowMs: 300_000, minRevealWindowMs: 1000, maxRevealWindowMs: 60_000, attestWindowMs: 5000, clockSkewMs: 1000
  })
  t.ok(Object.isFrozen(DEFAULT_JOB_BOUNDS))
  t.same(JOB_BOUND_PARAMETERS, ['minCommitWindowMs', 'maxCommitWindowMs', 'minRevealWindowMs', 'maxRevealWindowMs', 'attestWindowMs', 'clockSkewMs'])
})

tap.test('jobBoundsFrom reads every parameter once and keeps values in (0, a day]', async t => {
  const asked: string[] = []
  t.same(jobBoundsFrom(name => { asked.push(name); return undefined }), DEFAULT_JOB_BOUNDS, 'nothing set')
  t.same(asked.toSorted(), [...JOB_BOUND_PARAMETERS].toSorted())
  const set = { minCommitWindowMs: 2000, maxCommitWindowMs: 600_000, minRevealWindowMs: 1500, maxRevealWindowMs: 30_000, attestWindowMs: 8000, clockSkewMs: 250 }
  t.same(from(set), set, 'every value set and sane')
  t.same(from({ clockSkewMs: 1 }), { ...DEFAULT_JOB_BOUNDS, clockSkewMs: 1 }, 'the least value')
  t.same(from({ attestWindowMs: DAY }), { ...DEFAULT_JOB_BOUNDS, attestWindowMs: DAY }, 'exactly a day')
  t.same(from({ attestWindowMs: 7000n }), { ...DEFAULT_JOB_BOUNDS, attestWindowMs: 7000 }, 'a bigint (uint256 from the chain)')
  t.same(from({ attestWindowMs: BigInt(DAY) }), { ...DEFAULT_JOB_BOUNDS, attestWindowMs: DAY }, 'a bigint of a day')
  const result = from({})
  result.clockSkewMs = 5
  t.equal(DEFAULT_JOB_BOUNDS.clockSkewMs, 1000, 'the result is a copy')
})

tap.test('jobBoundsFrom: an unset or nonsensical value reads as the default', async t => {
  const values: Array<[string, Raw]> = [
    ['undefined', undefined], ['null', null], ['0', 0], ['0n', 0n], ['negative', -1000], ['negative bigint', -1000n], ['fractional', 1500.5],
    ['NaN', Number.NaN], ['Infinity', Infinity], ['a day and a millisecond', DAY + 1], ['a day and a millisecond as bigint', BigInt(DAY + 1)],
    ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER], ['huge number', 1e300], ['2^256 - 1', 2n ** 256n - 1n], ['2^53 as bigint', 2n ** 53n]
  ]
  for (const name of JOB_BOUND_PARAMETERS) {
    for (const [label, raw] of values) t.same(from({ [name]: raw }), DEFAULT_JOB_BOUNDS, `${name} = ${label}`)
  }
})

tap.test('jobBoundsFrom: a min above its max falls back to both defaults, pair by pair', async t => {
  t.same(from({ minCommitWindowMs: 400_000 }), DEFAULT_JOB_BOUNDS, 'min commit above the default max')
  t.same(from({ maxCommitWindowMs: 500 }), DEFAULT_JOB_BOUNDS, 'max commit below the default min')
  t.same(from({ minCommitWindowMs: 5000, maxCommitWindowMs: 4000, attestWindowMs: 9000 }), { ...DEFAULT_JOB_BOUNDS, attestWindowMs: 9000 }, 'the other values stay')
  t.same(from({ minRevealWindowMs: 70_000, minCommitWindowMs: 2000 }), { ...DEFAULT_JOB_BOUNDS, minCommitWindowMs: 2000 }, 'reveal pair only')
  t.same(from({ minRevealWindowMs: 2000, maxRevealWindowMs: 1999 }), DEFAULT_JOB_BOUNDS)
  t.same(from({ minCommitWindowMs: 3000, maxCommitWindowMs: 3000 }), { ...DEFAULT_JOB_BOUNDS, minCommitWindowMs: 3000, maxCommitWindowMs: 3000 }, 'min = max is allowed')
})

tap.test('windowsWithinBounds: inclusive at both ends of both windows', async t => {
  const b = DEFAULT_JOB_BOUNDS
  t.ok(windowsWithinBounds(windowsOf(b.minCommitWindowMs, b.minRevealWindowMs), b), 'least windows')
  t.ok(windowsWithinBounds(windowsOf(b.maxCommitWindowMs, b.maxRevealWindowMs), b), 'most windows')
  t.notOk(windowsWithinBounds(windowsOf(b.minCommitWindowMs - 1, b.minRevealWindowMs), b), 'commit window below the least')
  t.notOk(windowsWithinBounds(windowsOf(b.maxCommitWindowMs + 1, b.minRevealWindowMs), b), 'commit window above the most')
  t.notOk(windowsWithinBounds(windowsOf(b.minCommitWindowMs, b.minRevealWindowMs - 1), b), 'reveal window below the least')
  t.notOk(windowsWithinBounds(windowsOf(b.minCommitWindowMs, b.maxRevealWindowMs + 1), b), 'reveal window too long')
  t.notOk(windowsWithinBounds(windowsOf(-5000, 10_000), b), 'commit deadline before creation')
  t.notOk(windowsWithinBounds(windowsOf(5000, -1), b), 'reveal deadline before the commit deadline')
  t.notOk(windowsWithinBounds({ createdAt: 0, commitDeadline: Number.MAX_SAFE_INTEGER, revealDeadline: Number.MAX_SAFE_INTEGER }, b), 'far-future deadlines')
  t.ok(windowsWithinBounds(windowsOf(500, 500), { ...b, minCommitWindowMs: 500, minRevealWindowMs: 500 }), 'the bounds given decide')
})

tap.test('the times of a job follow from its deadlines and the bounds', async t => {
  const job = { createdAt: 10_000, commitDeadline: 70_000, revealDeadline: 100_000 }
  const b = { ...DEFAULT_JOB_BOUNDS, clockSkewMs: 2000, attestWindowMs: 5000 }
  t.equal(attestAt(job, b), 102_000, 'members attest at revealDeadline + skew')
  t.equal(attestDeadline(job, b), 107_000, 'attestations accepted until revealDeadline + skew + attestWindowMs')
  t.equal(jobEndsAt(job, b), 109_000, 'a job ends at revealDeadline + 2 skew + attestWindowMs')
  t.equal(scanDeadline(job, b), 62_000, 'scans end at commitDeadline - skew - a tenth of the commit window')
  t.equal(scanDeadline({ createdAt: 0, commitDeadline: 3000 }, b), 500, 'and at least 500 ms before it')
  t.ok(attestAt(job, b) < attestDeadline(job, b) && attestDeadline(job, b) < jobEndsAt(job, b), 'in this order')
})

tap.test('clampWindow rounds up and clamps into [min, max]', async t => {
  t.equal(clampWindow(5000, 1000, 300_000), 5000)
  t.equal(clampWindow(1500.2, 1000, 300_000), 1501, 'rounded up')
  t.equal(clampWindow(10, 1000, 300_000), 1000, 'below')
  t.equal(clampWindow(1e9, 1000, 300_000), 300_000, 'above')
  t.equal(clampWindow(299_999.5, 1000, 300_000), 300_000)
})
