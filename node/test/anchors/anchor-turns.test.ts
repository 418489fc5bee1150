import tap from 'tap'
import { currentTurn, selectEligible } from '../../src/anchors/anchor-turns.ts'
import { MAX_ANCHOR_JOBS } from '#protocol/messages.ts'
import type { Hex } from '#protocol/messages.ts'

const addr = (byte: string): Hex => `0x${byte.repeat(20)}`
const MEMBERS = [addr('44'), addr('11'), addr('33'), addr('22')]
const none = (): boolean => false
const job = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

tap.test('turns rotate by epoch and come round again', async (t) => {
  const at = (self: Hex, epoch: number, elapsedMs: number): number | undefined => currentTurn({ self, members: MEMBERS, epoch, elapsedMs, turnMs: 5000 })
  // epoch 0: ascending order 11, 22, 33, 44; epoch 1 rotates by one: 22, 33, 44, 11
  t.equal(at(addr('11'), 0, 0), 0, 'rank 0 proposes as soon as the epoch is over')
  t.equal(at(addr('22'), 0, 4999), undefined, 'rank 1 waits one turn')
  t.equal(at(addr('22'), 0, 5000), 1)
  t.equal(at(addr('22'), 1, 0), 0, 'the next epoch starts at the next member')
  t.equal(at(addr('11'), 1, 3 * 5000), 3, 'and the first member is last')
  t.equal(at(addr('11'), 0, 3 * 5000), 0, 'a turn lasts until the member\'s next one')
  t.equal(at(addr('11'), 0, 4 * 5000), 4, 'after the last rank the first tries again')
  t.equal(at(addr('44'), 0, 9 * 5000), 7)
  t.equal(at(addr('11'), 4, 0), 0, 'epochs rotate modulo n')
  t.equal(at(addr('55'), 0, 60_000), undefined, 'a non-member never proposes')
  t.equal(at(addr('11').toUpperCase().replace('0X', '0x') as Hex, 0, 0), 0, 'addresses compare lowercase')
  t.equal(at(addr('11'), 0, -1), undefined, 'no turn before the epoch is over')
  t.equal(currentTurn({ self: addr('11'), members: [], epoch: 0, elapsedMs: 0, turnMs: 5000 }), undefined, 'no members, no proposer')
  t.equal(currentTurn({ self: addr('11'), members: MEMBERS, epoch: 0, elapsedMs: 0, turnMs: 0 }), undefined, 'a zero turn is refused, not divided by')
})

tap.test('eligible selection', async (t) => {
  const E = 30
  const maxAge = 60
  // epoch 3 is blocks [90, 120): eligible blocks are [30, 120)
  const candidates = [
    { jobId: job(5), membershipBlock: 119 },
    { jobId: job(1), membershipBlock: 120 },
    { jobId: job(2), membershipBlock: 30 },
    { jobId: job(3), membershipBlock: 29 },
    { jobId: job(4), membershipBlock: 95 }
  ]
  t.same(selectEligible(candidates, 3, E, maxAge, none), [job(2), job(4), job(5)], 'in the window, ascending by jobId')
  t.same(selectEligible(candidates, 3, E, maxAge, (id) => id === job(4)), [job(2), job(5)], 'anchored jobs are left out')
  t.same(selectEligible([...candidates, { jobId: job(5).toUpperCase().replace('0X', '0x') as Hex, membershipBlock: 119 }], 3, E, maxAge, none), [job(2), job(4), job(5)], 'a job listed twice is one leaf')
  t.same(selectEligible([], 3, E, maxAge, none), [])
  const many = Array.from({ length: MAX_ANCHOR_JOBS + 10 }, (_, i) => ({ jobId: job(MAX_ANCHOR_JOBS + 10 - i), membershipBlock: 30 + (i % 90) }))
  const picked = selectEligible(many, 3, E, maxAge, none)
  t.equal(picked.length, MAX_ANCHOR_JOBS, 'at most MAX_ANCHOR_JOBS')
  t.same(picked, picked.toSorted(), 'still ascending')
  const left = many.filter((c) => !picked.includes(c.jobId))
  t.ok(left.every((c) => c.membershipBlock >= 118), 'the newest blocks wait for a later epoch')
})
