import tap from 'tap'
import { signScanJob, ZERO_ADDRESS } from '#protocol/index.ts'
import { createJobDeferral } from '../../src/quorum/job-deferral.ts'
import { until } from '../fixtures/memory-coordinators.ts'
import { CHAIN_ID, hashes, MEMBERS, OUTSIDER, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Hex, ScanJob, SignedScanJob } from '#protocol/messages.ts'
import type { JobDeferral } from '../../src/quorum/job-deferral.ts'
import type { Member } from '../fixtures/signed-reports.ts'

// SPEC section 6: a relay waits for a job's block, not yet followed, only if the job could be honest, and
// never past its commit deadline (itself bounded by section 5); gossip bounds how many wait.
const FOLLOWED = 10
const [origin, other] = MEMBERS as [Member, Member]

interface Deferred {
  deferral: JobDeferral
  waits: Array<{ block: number, signal: AbortSignal }>
  /** the follower reaches `block` */
  follow: (block: number) => void
}

function deferral (): Deferred {
  const waits: Array<{ block: number, signal: AbortSignal, resolve: () => void }> = []
  const members = new Set(MEMBERS.map((m) => m.address))
  const d = createJobDeferral({
    follower: {
      followedBlock: FOLLOWED,
      isMemberAt: (address) => members.has(address),
      parameterAt: () => undefined,
      async waitFor (block, options = {}) {
        const { promise, resolve, reject } = Promise.withResolvers<void>()
        options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
        waits.push({ block, signal: options.signal as AbortSignal, resolve })
        await promise
      }
    },
    ctx: { chainId: CHAIN_ID, registry: REGISTRY },
    now: Date.now
  })
  return {
    deferral: d,
    waits,
    follow: (block) => { for (const w of waits) if (w.block <= block) w.resolve() }
  }
}

/** a file job for the next block, default windows 60 s and 30 s from now, signed by `signer` */
async function job (overrides: Partial<ScanJob> = {}, signer: Member = origin): Promise<SignedScanJob> {
  const createdAt = overrides.createdAt ?? Date.now()
  return await signScanJob({
    kind: 'file', subject: '', context: '', ...hashes(new TextEncoder().encode('deferred')), fileType: 'text', cid: 'bafkdeferred',
    membershipBlock: FOLLOWED + 1, origin: origin.address, createdAt, commitDeadline: createdAt + 60_000, revealDeadline: createdAt + 90_000,
    ephemeralPublicKey: `0x${'11'.repeat(32)}`, keyWraps: MEMBERS.map((m) => ({ member: m.address, wrappedKey: `0x${'22'.repeat(60)}` as Hex })),
    submitter: ZERO_ADDRESS, submittedAt: 0, submitterSignature: '0x', ...overrides
  }, CHAIN_ID, REGISTRY, signer.wallet)
}

tap.test('a plausible job is waited for until its block is followed', async (t) => {
  const d = deferral()
  const followed = d.deferral.untilFollowed(await job(), {})
  await until('the wait starts', () => d.waits.length === 1 ? true : undefined, 2000)
  t.same(d.waits.map((w) => w.block), [FOLLOWED + 1], 'it waits for the job\'s block')
  d.follow(FOLLOWED + 1)
  t.equal(await followed, true, 'then gossip validates it again')
})

tap.test('jobs that could not be honest are not waited for', async (t) => {
  const d = deferral()
  const now = Date.now()
  const refused: Array<[string, SignedScanJob]> = [
    ['unsigned', { ...(await job()), signature: '0x' }],
    ['signed by someone else than its origin', await job({}, other)],
    ['tampered after signing', { ...(await job()), job: { ...(await job()).job, size: 2 } }],
    ['from a non-member', await job({ origin: OUTSIDER.address }, OUTSIDER)],
    ['a commit window below the bounds', await job({ createdAt: now, commitDeadline: now + 500, revealDeadline: now + 30_000 })],
    ['a commit window above the bounds', await job({ createdAt: now, commitDeadline: now + 300_001, revealDeadline: now + 330_000 })],
    ['a reveal window above the bounds', await job({ createdAt: now, commitDeadline: now + 60_000, revealDeadline: now + 60_000 + 60_001 })],
    ['a commit deadline days away', await job({ createdAt: now, commitDeadline: now + 10 * 86_400_000, revealDeadline: now + 10 * 86_400_000 + 30_000 })],
    ['created days ahead, with windows in bounds', await job({ createdAt: now + 10 * 86_400_000 })],
    ['a commit deadline already passed', await job({ createdAt: now - 70_000, commitDeadline: now - 10_000, revealDeadline: now + 20_000 })],
    ['a block too far ahead', await job({ membershipBlock: FOLLOWED + 17 })]
  ]
  for (const [what, msg] of refused) t.equal(await d.deferral.untilFollowed(msg, {}), false, what)
  t.same(d.waits, [], 'no wait was started for any of them')
  const slot = new AbortController()
  setTimeout(() => { slot.abort() }, 50)
  t.equal(await d.deferral.untilFollowed(await job({ membershipBlock: FOLLOWED + 16 }), { signal: slot.signal }), false, 'sixteen blocks ahead is waited for (here until the signal aborts)')
  t.equal(d.waits.length, 1)
})

tap.test('a job is waited for until its commit deadline at the latest', async (t) => {
  const d = deferral()
  const now = Date.now()
  const msg = await job({ createdAt: now - 950, commitDeadline: now + 50, revealDeadline: now + 30_000 })
  // the deadline's timer is unref'd, as a node's are: keep this process up until it fires
  const alive = setTimeout(() => {}, 5000)
  t.equal(await d.deferral.untilFollowed(msg, {}), false, 'a job whose block came too late is not taken')
  clearTimeout(alive)
  t.equal(d.waits[0]?.signal.aborted, true, 'the wait for the block was aborted')
})

tap.test('gossip\'s signal ends the wait: no slot, or the node stops', async (t) => {
  const d = deferral()
  t.equal(await d.deferral.untilFollowed(await job(), { signal: AbortSignal.abort() }), false, 'no slot: not waited for at all')
  t.same(d.waits, [])
  const stopping = new AbortController()
  const followed = d.deferral.untilFollowed(await job(), { signal: stopping.signal })
  await until('the wait starts', () => d.waits.length === 1 ? true : undefined, 2000)
  stopping.abort()
  t.equal(await followed, false)
})
