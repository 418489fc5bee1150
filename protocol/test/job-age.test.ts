import tap from 'tap'
import {
  ageLimitBlock, createdPastAgeLimit, DEFAULT_MAX_JOB_AGE_BLOCKS, MAX_MAX_JOB_AGE_BLOCKS, maxJobAgeBlocksFrom, membershipBlockTooOld, MIN_MAX_JOB_AGE_BLOCKS
} from '../src/index.ts'

tap.test('maxJobAgeBlocksFrom: anything but an integer in [16, 1,000,000] reads as the default', async t => {
  t.equal(DEFAULT_MAX_JOB_AGE_BLOCKS, 7200)
  const taken: Array<bigint | number> = [MIN_MAX_JOB_AGE_BLOCKS, MAX_MAX_JOB_AGE_BLOCKS, 64, 64n, 7200n, BigInt(MAX_MAX_JOB_AGE_BLOCKS)]
  for (const v of taken) t.equal(maxJobAgeBlocksFrom(v), Number(v), `${typeof v} ${v}`)
  const hostile: Array<bigint | number | null | undefined> = [
    undefined, null, 0, 0n, -1, -1n, -7200, -(2n ** 255n), 15, 15n, 1_000_001, 1_000_001n, 2n ** 208n - 1n, 2n ** 256n - 1n,
    64.5, 0.1, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.MIN_SAFE_INTEGER, -0
  ]
  for (const v of hostile) t.equal(maxJobAgeBlocksFrom(v), DEFAULT_MAX_JOB_AGE_BLOCKS, `${typeof v} ${String(v)}`)
  // what a JSON or RPC layer might hand over instead of a number: never taken
  for (const v of ['64', {}, [], true, Symbol('x')]) t.equal(maxJobAgeBlocksFrom(v as unknown as number), DEFAULT_MAX_JOB_AGE_BLOCKS, `a ${typeof v}`)
})

tap.test('membershipBlockTooOld: more than the bound behind the followed block', async t => {
  t.equal(membershipBlockTooOld(100, 100, 16), false, 'the followed block')
  t.equal(membershipBlockTooOld(84, 100, 16), false, 'exactly the bound behind')
  t.equal(membershipBlockTooOld(83, 100, 16), true, 'one more')
  t.equal(membershipBlockTooOld(0, 1_000_000, MAX_MAX_JOB_AGE_BLOCKS), false, 'the genesis block under the largest bound')
  t.equal(membershipBlockTooOld(0, Number.MAX_SAFE_INTEGER, MAX_MAX_JOB_AGE_BLOCKS), true, 'a chain as long as a safe integer')
  t.equal(membershipBlockTooOld(200, 100, 16), false, 'ahead of the followed block: FUTURE_MEMBERSHIP_BLOCK decides that, not this')
})

tap.test('createdPastAgeLimit: created after the limit block\'s second plus the skew', async t => {
  t.equal(ageLimitBlock(100, 7200), 7300)
  t.equal(createdPastAgeLimit(Number.MAX_SAFE_INTEGER, undefined, 1000), false, 'limit block not mined: nothing is too old yet')
  t.equal(createdPastAgeLimit(10_000, 8, 1000), false, 'the end of its second plus the skew')
  t.equal(createdPastAgeLimit(10_001, 8, 1000), true, 'a millisecond later')
  t.equal(createdPastAgeLimit(0, 0, 0), false, 'a job from 1970 against a block from 1970')
  t.equal(createdPastAgeLimit(Number.MAX_SAFE_INTEGER, 0, 1000), true, 'the farthest future a job may name')
  t.equal(createdPastAgeLimit(Number.NaN, 8, 1000), false, 'NaN is not past anything: the report schema refuses it as MALFORMED first')
})
