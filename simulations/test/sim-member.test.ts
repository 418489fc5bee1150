import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { Wallet } from 'ethers'
import tap from 'tap'
import { scanJobId } from '#protocol/eip712.ts'
import { TOPICS } from '#protocol/messages.ts'
import { computeCommitment, signCommitment } from '#protocol/signing.ts'
import { buildUrlJob } from '../src/real/job-builder.ts'
import { createMemoryHost } from '../src/real/memory-host.ts'
import { SIM_CHAIN_ID, SIM_REGISTRY } from '../src/real/member-view.ts'
import { SimMember } from '../src/real/sim-member.ts'
import type { Hex, Verdict } from '#protocol/messages.ts'
import type { SimLibp2p } from '../src/real/memory-host.ts'
import type { Test } from 'tap'

interface MeshView { getMeshPeers(topic: string): string[] }

const walletOf = (i: number): Wallet => new Wallet(`0x${(i + 1).toString(16).padStart(64, '0')}`)

async function until (done: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  for (let waited = 0; !done() && waited < timeoutMs; waited += 20) await sleep(20)
  return done()
}

/** hosts[i] dials hosts[i + 1] only: a line, so what hosts[2] gets from hosts[0] went through hosts[1] */
async function line (count: number, members: Hex[], t: Test): Promise<{ hosts: SimLibp2p[], sims: SimMember[], reports: Hex[][] }> {
  const hosts: SimLibp2p[] = []
  const sims: SimMember[] = []
  const reports: Hex[][] = []
  const tag = `line-${Date.now()}-${Math.random()}`
  for (let i = 0; i < count; i++) {
    const host = await createMemoryHost(await generateKeyPair('Ed25519'), `/memory/${tag}-${i}`, 1)
    const got: Hex[] = []
    reports.push(got)
    hosts.push(host)
    sims.push(new SimMember(host, walletOf(i), members, 10, { delivered () {}, reported (jobId) { got.push(jobId) } }))
  }
  t.teardown(async () => {
    for (const s of sims) s.stop()
    await Promise.allSettled(sims.map(async s => { await s.gossip.stop() }))
    await Promise.allSettled(hosts.map(async h => { await h.stop() }))
  })
  for (const h of hosts) await h.start()
  for (const s of sims) await s.gossip.start()
  for (let i = 0; i + 1 < count; i++) await (hosts[i] as SimLibp2p).dial(multiaddr((hosts[i + 1] as SimLibp2p).getMultiaddrs()[0]?.toString() ?? ''))
  const meshed = await until(() => hosts.every((h, i) => (h.services.pubsub as unknown as MeshView).getMeshPeers(TOPICS.commits).length === (i === 0 || i === count - 1 ? 1 : 2)))
  if (!meshed) throw new Error('the line\'s meshes did not form')
  return { hosts, sims, reports }
}

tap.test('a relay that gets a commitment before its job waits for the job, then accepts and forwards it', async (t) => {
  // members 0-2 run; member 3's commitment is made here and sent by member 0 before the job
  const members = [0, 1, 2, 3].map(i => walletOf(i).address.toLowerCase() as Hex)
  const { sims } = await line(3, members, t)
  const signed = await buildUrlJob(1, walletOf(0), walletOf(99), { commitMs: 20_000, revealMs: 20_000 })
  const jobId = scanJobId(signed.job, SIM_CHAIN_ID, SIM_REGISTRY)
  const verdict: Verdict = { jobId, member: members[3] as Hex, sha256: signed.job.sha256, membershipBlock: signed.job.membershipBlock, scannedAt: signed.job.createdAt + 1, results: [] }
  const commit = await signCommitment({ jobId, member: members[3] as Hex, commitment: computeCommitment(verdict, `0x${'11'.repeat(32)}`) }, SIM_CHAIN_ID, SIM_REGISTRY, walletOf(3))
  const [first, relay, last] = sims as [SimMember, SimMember, SimMember]
  await first.gossip.publish('commits', commit)
  await sleep(500)
  t.equal(relay.view.jobs.has(jobId), false, 'the relay does not know the job yet')
  t.equal(last.view.jobs.has(jobId), false)
  await first.originate(signed)
  t.ok(await until(() => last.view.jobs.get(jobId)?.commitments.has(members[3] as Hex) === true), 'the far end holds member 3\'s commitment: the relay accepted it once the job came, and forwarded it')
  t.ok(relay.view.jobs.get(jobId)?.commitments.has(members[3] as Hex))
})

tap.test('members attest when every member that committed revealed, without waiting for one that never did', async (t) => {
  // four live members and a fifth that never commits: quorum 4 of 5
  const members = [0, 1, 2, 3, 4].map(i => walletOf(i).address.toLowerCase() as Hex)
  const { sims, reports } = await line(4, members, t)
  const signed = await buildUrlJob(2, walletOf(0), walletOf(99), { commitMs: 1500, revealMs: 20_000 })
  const jobId = scanJobId(signed.job, SIM_CHAIN_ID, SIM_REGISTRY)
  await (sims[0] as SimMember).originate(signed)
  t.ok(await until(() => reports.every(r => r.includes(jobId)), 30_000), 'every live member derived the report')
  const state = (sims[3] as SimMember).view.jobs.get(jobId)
  t.equal(state?.commitments.size, 4)
  t.equal(state?.attestations.size, 4, 'four attestations, the quorum of five')
  t.ok(Date.now() < signed.job.revealDeadline, 'before the reveal window closed: the early path, not the deadline 20 s later')
})
