import tap from 'tap'
import { BEHIND_ON_JOB_CODES, GossipValidationError, isBehindOnJob, validateCommitment, validateVerdict, VALIDATION_CODES } from '../src/index.ts'
import { scanJobId } from '../src/eip712.ts'
import { CHAIN_ID, makeContext, makeJob, makeReveal, member, REGISTRY, result } from './fixtures.ts'
import type { Hex } from '../src/messages.ts'

// SPEC section 6 (v2.1): a relay waits for what it is merely behind on instead of answering ignore.
// Nodes (message-intake.ts) and the simulations' members ask isBehindOnJob, so they wait on the same codes.

const thrown = (fn: () => unknown): unknown => {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('no error thrown')
}

tap.test('the codes are the job, the commitment a reveal opens and the reveal window, all ignore', async (t) => {
  t.same([...BEHIND_ON_JOB_CODES].toSorted(), ['COMMITMENT_MISMATCH', 'EARLY_REVEAL', 'NO_COMMITMENT', 'UNKNOWN_JOB'])
  for (const code of BEHIND_ON_JOB_CODES) t.ok(VALIDATION_CODES.includes(code), `${code} is a validation code`)
})

tap.test('what the validators answer a relay that is behind is a wait, whatever else they answer is not', async (t) => {
  const job = makeJob()
  const jobId = scanJobId(job, CHAIN_ID, REGISTRY)
  const voter = member(1)
  const { commit, reveal } = await makeReveal(job, voter, [result('YARA', 'undetected')])
  const own: [Hex, Hex, Hex] = [jobId, voter.address, commit.commitment.commitment]
  const other = await makeReveal(job, voter, [result('YARA', 'malicious', 'Evil')])
  const behind: Array<[string, string, unknown]> = [
    ['the job unknown', 'UNKNOWN_JOB', thrown(() => validateVerdict(reveal, makeContext()))],
    ['no commitment held', 'NO_COMMITMENT', thrown(() => validateVerdict(reveal, makeContext({ jobs: [job], now: job.commitDeadline })))],
    ['before the reveal window', 'EARLY_REVEAL', thrown(() => validateVerdict(reveal, makeContext({ jobs: [job], now: job.commitDeadline - 1, commitments: [own] })))],
    ['the commitment it opens not held yet', 'COMMITMENT_MISMATCH', thrown(() => validateVerdict(other.reveal, makeContext({ jobs: [job], now: job.commitDeadline, commitments: [own] })))],
    ['a commitment of an unknown job', 'UNKNOWN_JOB', thrown(() => validateCommitment(commit, makeContext()))]
  ]
  for (const [what, code, err] of behind) {
    t.equal((err as { code?: string }).code, code, what)
    t.ok(isBehindOnJob(err), `${what}: waits`)
  }
  const notBehind = {
    'stale': thrown(() => validateVerdict(reveal, makeContext({ jobs: [job], now: job.revealDeadline + 60_000, commitments: [own] }))),
    'a forged signature': thrown(() => validateVerdict({ ...reveal, signature: `0x${'00'.repeat(65)}` }, makeContext({ jobs: [job], now: job.commitDeadline, commitments: [own] }))),
    'a commitment after the deadline': thrown(() => validateCommitment(commit, makeContext({ jobs: [job], now: job.commitDeadline + 1 })))
  }
  for (const [what, err] of Object.entries(notBehind)) t.notOk(isBehindOnJob(err), what)
})

tap.test('only a GossipValidationError is a wait: hostile look-alikes are not', async (t) => {
  t.ok(isBehindOnJob(new GossipValidationError('ignore', 'EARLY_REVEAL', 'early')))
  const lookAlike = Object.assign(new Error('x'), { code: 'UNKNOWN_JOB', action: 'ignore' })
  for (const [what, value] of [['an Error with the code', lookAlike], ['a plain object', { code: 'NO_COMMITMENT' }], ['a string', 'UNKNOWN_JOB'], ['null', null], ['undefined', undefined]] as const) {
    t.notOk(isBehindOnJob(value), what)
  }
  for (const code of VALIDATION_CODES.filter((c) => !BEHIND_ON_JOB_CODES.includes(c))) {
    t.notOk(isBehindOnJob(new GossipValidationError('ignore', code, code)), `${code} is answered at once`)
  }
})
