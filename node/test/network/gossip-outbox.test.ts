import { setTimeout as sleep } from 'node:timers/promises'
import tap from 'tap'
import type { Test } from 'tap'
import { signCommitment } from '#protocol/index.ts'
import { createGossipOutbox } from '../../src/network/gossip-outbox.ts'
import { CHAIN_ID, member, REGISTRY } from '../../../protocol/test/fixtures.ts'
import type { GossipOutbox } from '../../src/network/gossip-outbox.ts'
import type { Hex, MemberBundle, SignedCommitment } from '#protocol/messages.ts'

// SPEC section 6, v2.2: a member's own job messages leave at once when it is idle, together when it is busy
const commit = async (by: number, job: number): Promise<SignedCommitment> => await signCommitment(
  { jobId: `0x${job.toString(16).padStart(64, '0')}` as Hex, member: member(by).address, commitment: `0x${'cc'.repeat(32)}` }, CHAIN_ID, REGISTRY, member(by).wallet)
const [a1, a2, a3, b1] = await Promise.all([commit(0, 1), commit(0, 2), commit(0, 3), commit(1, 1)]) as [SignedCommitment, SignedCommitment, SignedCommitment, SignedCommitment]
const jobsOf = (bundles: MemberBundle[]): string[][] => bundles.map((b) => b.messages.map((m) => (m as SignedCommitment).commitment.jobId.slice(-1)))

function outbox (t: Test, intervalMs: number, fail?: (bundle: MemberBundle) => boolean): { box: GossipOutbox, sent: MemberBundle[] } {
  const sent: MemberBundle[] = []
  const box = createGossipOutbox({
    intervalMs,
    publish: async (bundle) => {
      if (fail?.(bundle) === true) throw new Error('no peer took it')
      sent.push(bundle)
    }
  })
  box.start()
  t.teardown(async () => { await box.stop() })
  return { box, sent }
}

tap.test('idle: a message leaves on the next turn of the event loop, with what that turn made', async (t) => {
  const { box, sent } = outbox(t, 10_000)
  await Promise.all([box.add(a1), box.add(a2)])
  t.same(jobsOf(sent), [['1', '2']])
  t.equal(sent[0]?.member, member(0).address)
  t.equal(box.size, 0)
})

tap.test('busy: what comes within the interval of the last bundle waits for it and leaves together', async (t) => {
  const { box, sent } = outbox(t, 300)
  const started = Date.now()
  await box.add(a1)
  const later = Promise.all([box.add(a2), box.add(a3)])
  await sleep(100)
  t.same(jobsOf(sent), [['1']], 'the first left alone; the next two wait')
  t.equal(box.size, 2)
  await later
  t.ok(Date.now() - started >= 290, 'not before the interval')
  t.same(jobsOf(sent), [['1'], ['2', '3']])
})

tap.test('a bundle holds one member\'s messages; a failed publish fails only its own messages', async (t) => {
  const { box, sent } = outbox(t, 0, (bundle) => bundle.member === member(1).address)
  const [mine, theirs] = await Promise.allSettled([box.add(a1), box.add(b1)])
  t.equal(mine.status, 'fulfilled')
  t.match(theirs, { status: 'rejected', reason: { message: 'no peer took it' } })
  t.same(jobsOf(sent), [['1']])
})

tap.test('a message that breaks its schema is refused when handed over; a stopped outbox sends what it held and takes nothing more', async (t) => {
  const { box, sent } = outbox(t, 60_000)
  await t.rejects(box.add({ ...a1, signature: '0x12' }), { name: 'GossipValidationError', code: 'MALFORMED' })
  await box.add(a1)
  const held = box.add(a2)
  t.equal(box.size, 1)
  await box.stop()
  await held
  t.same(jobsOf(sent), [['1'], ['2']], 'the held message went out at stop')
  await t.rejects(box.add(a3), { name: 'NotStartedError' })
})

tap.test('what a node makes while it starts (a restarted member\'s due reveal) is held and goes out once the outbox starts', async (t) => {
  const sent: MemberBundle[] = []
  const box = createGossipOutbox({ intervalMs: 0, publish: async (bundle) => { sent.push(bundle) } })
  t.teardown(async () => { await box.stop() })
  const held = box.add(a1)
  await sleep(20)
  t.same(sent, [], 'nothing published before start')
  box.start()
  await held
  t.same(jobsOf(sent), [['1']])
})
