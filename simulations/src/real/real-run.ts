import { PerformanceObserver } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { Wallet } from 'ethers'
import { scanJobId } from '#protocol/eip712.ts'
import { TOPICS } from '#protocol/messages.ts'
import { DEFAULT_JOB_BOUNDS, jobEndsAt } from '#protocol/timing.ts'
import { createRng } from '../prng.ts'
import { round, summarize } from '../stats.ts'
import { buildUrlJob } from './job-builder.ts'
import { createMemoryHost, tapTraffic } from './memory-host.ts'
import { SIM_CHAIN_ID, SIM_REGISTRY, waitBoundFor } from './member-view.ts'
import { SimMember } from './sim-member.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Hex } from '#protocol/messages.ts'
import type { Summary } from '../stats.ts'
import type { SimLibp2p, Traffic } from './memory-host.ts'

export interface RealRunOptions {
  members: number
  jobs: number
  seed: number
  /** the stand-in engine's fixed time per job */
  engineMs: number
  /** one-way latency the memory transport adds to every buffer */
  latencyMs: number
  /** peers each member dials (the rest dial it) */
  degree: number
  /** pause after a job's last report before the next submission: jobs run one at a time */
  spacingMs: number
  /** the job's commit and its reveal window, each (default 20 s; the simulated chain allows it: simBounds) */
  windowMs?: number
}

/**
 * The windows a real run gives its jobs: 20 s, or 60 ms x n^2 (150 s at 50 members, 600 s at 100).
 * Every member's CPU is this one thread's, and a job's work is about 3n messages validated n times; at
 * 100 members a job took about 100 s of CPU, and the box gave this process an eighth of a core.
 * The simulated chain allows such windows (simBounds); the early paths end a job as soon as its
 * messages are through, so only a lost message waits for them.
 */
export function windowFor (members: number): number {
  return Math.max(20_000, 60 * members * members)
}

export interface RealRunResult {
  members: number
  jobs: number
  /** submission to final report, at every member, ms */
  reportLatencyMs: Summary
  /** accepted first deliveries / (published messages x (n - 1)) */
  deliveryRatio: number
  duplicatesPerDelivery: number
  /** gossipsub RPC bytes sent + received */
  bytesPerMemberPerJob: number
  cpuMsPerMemberPerJob: number
  /** the process's CPU over accepted deliveries: what the model charges a member per message */
  cpuMsPerDelivery: number
  /** messages per job by the protocol: 1 job + n commitments + n verdicts + n attestations */
  messagesPerJob: number
  /** distinct messages per job that reached at least one other member, counted */
  messagesSeenPerJob: number
  reportsFinal: number
  /** the jobs' commit and reveal windows, each */
  windowMs: number
  /** this process's CPU time over the jobs' wall time: below 1 when the box's other work took the core */
  cpuShare: number
  /**
   * each job from its submission to the next one's (the last: to its last report): its latencies, and the
   * CPU, garbage collection, deliveries and wall time of that span, which hold the previous job's tail
   */
  perJob?: JobSpan[]
}

export interface JobSpan {
  reportLatencyMs: Summary
  cpuMs: number
  gcMs: number
  deliveries: number
  wallMs: number
  heapMiB: number
}

/** how long a run waits, after a job's last report, for its remaining messages to arrive */
const DELIVERY_GRACE_MS = 5_000

async function waitFor (done: () => boolean, timeoutMs: number, options?: AbortOptions): Promise<void> {
  for (let waited = 0; !done() && waited < timeoutMs; waited += 20) await sleep(20, undefined, options)
}

interface MeshView { getMeshPeers(topic: string): string[] }

/** Member i's operator key: fixed so the member set (and its order) is the same every run. */
function walletOf (i: number): Wallet {
  return new Wallet(`0x${(i + 1).toString(16).padStart(64, '0')}`)
}

async function waitForMesh (hosts: SimLibp2p[], options?: AbortOptions): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    options?.signal?.throwIfAborted()
    // getMeshPeers is on the implementation, not on the GossipSub interface
    const ready = hosts.every(h => (h.services.pubsub as unknown as MeshView).getMeshPeers(TOPICS.attestations).length >= 2)
    if (ready) return
    await sleep(100)
  }
  throw new Error('gossipsub meshes did not form')
}

/**
 * n real supernode gossip stacks in this process, connected over the memory transport, run `jobs`
 * URL jobs end to end. Wall-clock figures: they vary run to run and go to the non-deterministic file.
 */
export async function runRealNetwork (opts: RealRunOptions, options?: AbortOptions): Promise<RealRunResult> {
  const rng = createRng(opts.seed).fork(`real-${opts.members}`)
  const wallets = Array.from({ length: opts.members }, (_, i) => walletOf(i))
  const addresses = wallets.map(w => w.address.toLowerCase() as Hex)
  const submitter = walletOf(100_000)
  const hosts: SimLibp2p[] = []
  const traffic: Traffic[] = []
  const members: SimMember[] = []
  const submittedAt = new Map<Hex, number>()
  const latencies: number[] = []
  const jobLatencies = new Map<Hex, number[]>()
  const seen = new Set<string>()
  let delivered = 0
  let reports = 0
  const perJob: JobSpan[] = []
  let gcObserver: PerformanceObserver | undefined
  const runTag = `${opts.seed}-${opts.members}-${Date.now()}`
  const windowMs = opts.windowMs ?? 20_000
  try {
    for (let i = 0; i < opts.members; i++) {
      const host = await createMemoryHost(await generateKeyPair('Ed25519'), `/memory/vm-sim-${runTag}-${i}`, opts.latencyMs, waitBoundFor(windowMs))
      hosts.push(host)
      traffic.push(tapTraffic(host))
      members.push(new SimMember(host, wallets[i] as Wallet, addresses, opts.engineMs, {
        delivered (kind, key) {
          delivered++
          seen.add(`${kind}:${key}`)
        },
        reported (jobId) {
          reports++
          const t0 = submittedAt.get(jobId)
          if (t0 !== undefined) {
            latencies.push(Date.now() - t0)
            jobLatencies.get(jobId)?.push(Date.now() - t0)
          }
        }
      }, windowMs))
    }
    for (const h of hosts) await h.start()
    for (const m of members) await m.gossip.start()
    for (let i = 0; i < hosts.length; i++) {
      for (const j of rng.sample(hosts.length, Math.min(opts.degree + 1, hosts.length))) {
        if (j === i) continue
        await (hosts[i] as SimLibp2p).dial(multiaddr((hosts[j] as SimLibp2p).getMultiaddrs()[0]?.toString() ?? ''), options)
      }
    }
    await waitForMesh(hosts, options)
    const bytesBefore = traffic.map(t => t.bytesIn + t.bytesOut)
    const dupBefore = traffic.reduce((s, t) => s + t.duplicates, 0)
    const cpuBefore = process.cpuUsage()
    const wallBefore = Date.now()
    let gcMs = 0
    gcObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration })
    gcObserver.observe({ entryTypes: ['gc'] })
    for (let j = 0; j < opts.jobs; j++) {
      options?.signal?.throwIfAborted()
      const origin = members[j % members.length] as SimMember
      const t0 = Date.now()
      const span = { cpu: process.cpuUsage(), gcMs, delivered }
      const signed = await buildUrlJob(j, wallets[j % members.length] as Wallet, submitter, { commitMs: windowMs, revealMs: windowMs })
      const jobId = scanJobId(signed.job, SIM_CHAIN_ID, SIM_REGISTRY)
      submittedAt.set(jobId, t0)
      jobLatencies.set(jobId, [])
      await origin.originate(signed)
      // one job at a time: every member runs in this one thread, so overlapping jobs would
      // measure this process's queue rather than the protocol
      // a job's last attestations come at the node's attestAt: wait until the job's end (SPEC section 10)
      await waitFor(() => reports >= (j + 1) * opts.members, jobEndsAt(signed.job, DEFAULT_JOB_BOUNDS) - Date.now(), options)
      // a member reports at a quorum of attestations, so the last member's own attestation may still be
      // in its outbox or on the wire: give it a short grace to arrive, not the job's whole window
      await waitFor(() => delivered - span.delivered >= (1 + 3 * opts.members) * (opts.members - 1), DELIVERY_GRACE_MS, options)
      await sleep(opts.spacingMs)
      const cpuSpan = process.cpuUsage(span.cpu)
      perJob.push({
        reportLatencyMs: summarize(jobLatencies.get(jobId) ?? []),
        cpuMs: round((cpuSpan.user + cpuSpan.system) / 1000, 1),
        gcMs: round(gcMs - span.gcMs, 1),
        deliveries: delivered - span.delivered,
        wallMs: Date.now() - t0,
        heapMiB: round(process.memoryUsage().heapUsed / 2 ** 20, 1)
      })
    }
    const cpu = process.cpuUsage(cpuBefore)
    const cpuMs = (cpu.user + cpu.system) / 1000
    const published = opts.jobs * (1 + 3 * opts.members)
    const bytes = traffic.reduce((s, t, i) => s + t.bytesIn + t.bytesOut - (bytesBefore[i] ?? 0), 0)
    const duplicates = traffic.reduce((s, t) => s + t.duplicates, 0) - dupBefore
    return {
      members: opts.members,
      jobs: opts.jobs,
      reportLatencyMs: summarize(latencies),
      deliveryRatio: round(delivered / (published * (opts.members - 1)), 4),
      duplicatesPerDelivery: round(duplicates / Math.max(1, delivered), 3),
      // sent + received: a member's link carries both
      bytesPerMemberPerJob: Math.round(bytes / opts.members / opts.jobs),
      cpuMsPerMemberPerJob: round(cpuMs / opts.members / opts.jobs, 1),
      cpuMsPerDelivery: round(cpuMs / Math.max(1, delivered), 3),
      messagesPerJob: 1 + 3 * opts.members,
      messagesSeenPerJob: round(seen.size / opts.jobs, 1),
      reportsFinal: reports,
      windowMs,
      cpuShare: round(cpuMs / Math.max(1, Date.now() - wallBefore), 3),
      perJob
    }
  } finally {
    gcObserver?.disconnect()
    for (const m of members) m.stop()
    await Promise.allSettled(hosts.map(h => h.stop()))
  }
}
