// What gossip costs per signed job message: four supernode hosts over real TCP (noise, yamux, gossipsub with
// the node's options, gossip.ts), each publishing its own commitments at the same offered rate, one gossip
// message each (v2.1, the baseline) beside bundled (v2.2, gossip-outbox.ts), alternating in one process.
// Handlers accept without validating, so the figure is transport and gossipsub alone.
// CPU is this process's (all four hosts) per message published; delay is publish to arrival at each peer.
// Run: npx node bench/gossip-bundles.ts [--rate 60] [--seconds 5] [--rounds 2] [--interval 50]
//   --rate: messages a second each host makes (a member makes 3 a job: 60 is 20 jobs/s)
//   --interval: the outbox's least time between bundles, ms (the node's default: 50)
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Wallet } from 'ethers'
import pino from 'pino'
import { encodeMessage, signCommitment } from '#protocol/index.ts'
import { TOPICS } from '#protocol/messages.ts'
import { createGossip } from '../node/src/network/gossip.ts'
import { createLibp2pNode } from '../node/src/network/libp2p-node.ts'
import type { Gossip } from '../node/src/network/gossip.ts'
import type { VirusmapLibp2p } from '../node/src/network/libp2p-node.ts'
import type { Hex, SignedCommitment } from '#protocol/messages.ts'

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '60' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' }, interval: { type: 'string' } }
})
const rate = Number(values.rate)
const seconds = Number(values.seconds)
const rounds = Number(values.rounds)
const HOSTS = 4
const CHAIN_ID = 31337
const REGISTRY = `0x${'5f'.repeat(20)}` as Hex

interface Host { libp2p: VirusmapLibp2p, gossip: Gossip, wallet: Wallet, arrived: Map<Hex, number[]> }
const sentAt = new Map<Hex, number>()
const hosts: Host[] = []
for (let i = 0; i < HOSTS; i++) {
  const libp2p = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listenAddrs: ['/ip4/127.0.0.1/tcp/0'] })
  const gossip = createGossip({
    libp2p, domain: { chainId: CHAIN_ID, registry: REGISTRY }, logger: pino({ level: 'silent' }), ...(values.interval === undefined ? {} : { bundleIntervalMs: Number(values.interval) })
  })
  const host: Host = { libp2p, gossip, wallet: Wallet.createRandom() as unknown as Wallet, arrived: new Map() }
  gossip.handle('commits', (msg) => {
    const at = host.arrived.get(msg.commitment.jobId) ?? []
    at.push(performance.now())
    host.arrived.set(msg.commitment.jobId, at)
  })
  await libp2p.start()
  await gossip.start()
  hosts.push(host)
}
for (const [i, a] of hosts.entries()) for (const b of hosts.slice(i + 1)) await a.libp2p.dial(b.libp2p.getMultiaddrs())
const meshed = (): boolean => hosts.every((h) => [TOPICS.commits, TOPICS.bundles].every((t) => h.libp2p.services.pubsub.getSubscribers(t).length === HOSTS - 1))
while (!meshed()) await sleep(50)
await sleep(2000)

let job = 0
async function commitments (host: Host, count: number): Promise<SignedCommitment[]> {
  const member = host.wallet.address.toLowerCase() as Hex
  return await Promise.all(Array.from({ length: count }, async () => await signCommitment(
    { jobId: `0x${(++job).toString(16).padStart(64, '0')}` as Hex, member, commitment: `0x${'cc'.repeat(32)}` }, CHAIN_ID, REGISTRY, host.wallet)))
}

/** every host publishes `rate` a second for `seconds`; resolves once every peer holds every message */
async function round (bundled: boolean): Promise<{ cpuUs: number, delays: number[], messages: number }> {
  const perHost = rate * seconds
  const planned = await Promise.all(hosts.map(async (h) => await commitments(h, perHost)))
  for (const h of hosts) h.arrived.clear()
  const cpu0 = process.cpuUsage()
  const sends: Array<Promise<void>> = []
  for (let k = 0; k < perHost; k++) {
    for (const [i, h] of hosts.entries()) {
      const msg = planned[i]?.[k] as SignedCommitment
      sentAt.set(msg.commitment.jobId, performance.now())
      sends.push(bundled ? h.gossip.publish('commits', msg) : h.libp2p.services.pubsub.publish(TOPICS.commits, encodeMessage(msg)).then(() => {}))
    }
    await sleep(1000 / rate)
  }
  await Promise.all(sends)
  const expected = perHost * (HOSTS - 1)
  const deadline = performance.now() + 30_000
  while (hosts.some((h) => [...h.arrived.values()].reduce((a, at) => a + at.length, 0) < expected) && performance.now() < deadline) await sleep(20)
  const cpu = process.cpuUsage(cpu0)
  const delays = hosts.flatMap((h) => [...h.arrived].flatMap(([id, at]) => at.map((t) => t - (sentAt.get(id) ?? t))))
  return { cpuUs: cpu.user + cpu.system, delays, messages: perHost * HOSTS }
}

const quantile = (xs: number[], q: number): number => xs.toSorted((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN
console.log(`${HOSTS} hosts over TCP, each publishing ${rate} commitments/s for ${seconds} s (a member makes 3 messages a job: ${rate / 3} jobs/s), ${rounds} rounds each, alternating`)
await round(false)
const results = new Map<string, Array<{ cpuUs: number, delays: number[], messages: number }>>([['one by one (v2.1)', []], ['bundled (v2.2)', []]])
for (let r = 0; r < rounds; r++) {
  results.get('one by one (v2.1)')?.push(await round(false))
  results.get('bundled (v2.2)')?.push(await round(true))
}
for (const [name, runs] of results) {
  const cpuPer = runs.map((x) => x.cpuUs / x.messages)
  const delays = runs.flatMap((x) => x.delays)
  const copies = runs.reduce((a, x) => a + x.delays.length, 0) / runs.reduce((a, x) => a + x.messages, 0)
  console.log(`  ${name.padEnd(18)} CPU per message published ${cpuPer.map((c) => `${c.toFixed(0)} µs`).join(', ')}; delay median ${quantile(delays, 0.5).toFixed(1)} ms, p95 ${quantile(delays, 0.95).toFixed(1)} ms; ${copies.toFixed(2)} arrivals per message`)
}
for (const h of hosts.toReversed()) {
  await h.gossip.stop()
  await h.libp2p.stop()
}
