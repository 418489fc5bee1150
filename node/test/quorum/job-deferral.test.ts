import tap from 'tap'
import pino from 'pino'
import { signScanJob, ZERO_ADDRESS } from '#protocol/index.ts'
import { createJobDeferral } from '../../src/quorum/job-deferral.ts'
import { until } from '../fixtures/memory-coordinators.ts'
import { CHAIN_ID, hashes, MEMBERS, OUTSIDER, REGISTRY } from '../fixtures/signed-reports.ts'
import type { Hex, ScanJob, SignedScanJob } from '#protocol/messages.ts'
import type { JobDeferral } from '../../src/quorum/job-deferral.ts'
import type { Member } from '../fixtures/signed-reports.ts'
import type { Test } from 'tap'

// SPEC section 6: a job for a block not followed yet is held only if it could be honest, in bounded
// numbers per peer and in all, and never past its commit deadline (itself bounded by section 5).
const FOLLOWED = 10
const [origin, other] = MEMBERS as [Member, Member]

interface Held {
  deferral: JobDeferral
  accepted: SignedScanJob[]
  waits: Array<{ block: number, signal: AbortSignal }>
  /** the follower reaches `block` */
  follow: (block: number) => void
  /** the node stops */
  stop: () => void
}

function deferral (t: Test): Held {
  const accepted: SignedScanJob[] = []
  const waits: Array<{ block: number, signal: AbortSignal, resolve: () => void }> = []
  const controller = new AbortController()
  t.teardown(() => { controller.abort() })
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
    logger: pino({ level: 'silent' }),
    now: Date.now,
    signal: controller.signal,
    accept: (msg) => { accepted.push(msg) }
  })
  return {
    deferral: d,
    accepted,
    waits,
    follow: (block) => { for (const w of waits) if (w.block <= block) w.resolve() },
    stop: () => { controller.abort() }
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

tap.test('a plausible job is held until its block is followed, then taken', async (t) => {
  const held = deferral(t)
  const msg = await job()
  t.equal(held.deferral.defer(msg, 'peer-a'), true)
  t.equal(held.deferral.size, 1)
  t.same(held.waits.map((w) => w.block), [FOLLOWED + 1], 'it waits for the job\'s block')
  held.follow(FOLLOWED + 1)
  await until('the job is taken', () => held.accepted.length === 1 ? true : undefined, 2000)
  t.same(held.accepted, [msg])
  t.equal(held.deferral.size, 0)
})

tap.test('jobs that could not be honest are not held', async (t) => {
  const held = deferral(t)
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
  for (const [what, msg] of refused) t.equal(held.deferral.defer(msg, 'peer-a'), false, what)
  t.equal(held.deferral.size, 0)
  t.same(held.waits, [], 'no wait was started for any of them')
  t.equal(held.deferral.defer(await job({ membershipBlock: FOLLOWED + 16 }), 'peer-a'), true, 'sixteen blocks ahead is still held')
})

tap.test('holding is bounded per peer and in all', async (t) => {
  const held = deferral(t)
  // gossipsub delivers a message once; the bound counts what is held, so one job stands for many
  const msg = await job()
  for (let i = 0; i < 16; i++) t.equal(held.deferral.defer(msg, 'peer-0'), true)
  t.equal(held.deferral.defer(msg, 'peer-0'), false, 'a 17th job from one peer is refused')
  for (let p = 1; p < 16; p++) {
    for (let i = 0; i < 16; i++) held.deferral.defer(msg, `peer-${p}`)
  }
  t.equal(held.deferral.size, 256)
  t.equal(held.deferral.defer(msg, 'peer-16'), false, 'the 257th job in all is refused, whoever sends it')
  held.follow(FOLLOWED + 1)
  await until('every held job is taken', () => held.deferral.size === 0 ? true : undefined, 5000)
  t.equal(held.accepted.length, 256)
  t.equal(held.deferral.defer(msg, 'peer-0'), true, 'the freed slots hold again')
})

tap.test('a job is held until its commit deadline at the latest', async (t) => {
  const held = deferral(t)
  const now = Date.now()
  const msg = await job({ createdAt: now - 950, commitDeadline: now + 50, revealDeadline: now + 30_000 })
  t.equal(held.deferral.defer(msg, 'peer-a'), true)
  await until('the hold ends at the deadline', () => held.deferral.size === 0 ? true : undefined, 2000)
  t.equal(held.waits[0]?.signal.aborted, true, 'the wait for the block was aborted')
  t.same(held.accepted, [], 'a job whose block came too late is dropped')
})

tap.test('stopping the node drops every held job', async (t) => {
  const held = deferral(t)
  t.equal(held.deferral.defer(await job(), 'peer-a'), true)
  held.stop()
  await until('the hold ends', () => held.deferral.size === 0 ? true : undefined, 2000)
  t.same(held.accepted, [])
})
