import tap from 'tap'
import { createOrphanMessages, jobIdOf, senderOf } from '../../src/quorum/orphan-messages.ts'
import type { Hex, SignedCommitment, SignedVerdict } from '#protocol/messages.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`
const commitment = (job: string, member: string): SignedCommitment =>
  ({ type: 'commitment', commitment: { jobId: hex(job, 32), member: hex(member, 20), commitment: hex('cc', 32) }, signature: hex('00', 65) })
const verdict = (job: string, member: string): SignedVerdict => ({
  type: 'verdict', salt: hex('05', 32), signature: hex('00', 65),
  verdict: { jobId: hex(job, 32), member: hex(member, 20), sha256: hex('01', 32), membershipBlock: 1, scannedAt: 1, results: [] }
})

tap.test('held messages come back per job, commitments before reveals, once', async (t) => {
  const orphans = createOrphanMessages()
  t.ok(orphans.hold(verdict('aa', '11'), 0))
  t.ok(orphans.hold(commitment('aa', '11'), 0))
  t.ok(orphans.hold(commitment('bb', '22'), 0))
  t.equal(orphans.size, 3)
  t.same(orphans.take(hex('aa', 32), 1).map((m) => m.type), ['commitment', 'verdict'])
  t.same(orphans.take(hex('aa', 32), 1), [], 'taken once')
  t.equal(orphans.size, 1)
  t.equal(jobIdOf(commitment('bb', '22')), hex('bb', 32))
  t.equal(senderOf(verdict('bb', '33')), hex('33', 20))
})

tap.test('bounded per job, in all, and in time', async (t) => {
  const orphans = createOrphanMessages()
  let kept = 0
  for (let i = 0; i < 1100; i++) if (orphans.hold(commitment('aa', '11'), 0)) kept++
  t.equal(kept, 1024, 'at most 1024 for one job')
  for (let j = 0; j < 20; j++) for (let i = 0; i < 300; i++) orphans.hold(commitment((j + 16).toString(16).padStart(2, '0'), '11'), 0)
  t.equal(orphans.size, 4096, 'at most 4096 in all')
  t.notOk(orphans.hold(commitment('ff', '11'), 0), 'full')
  t.ok(orphans.hold(commitment('ff', '11'), 60_001), 'a minute later the old ones are gone')
  t.equal(orphans.size, 1)
})
