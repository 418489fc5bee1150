import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import pino from 'pino'
import tap from 'tap'
import { encodeMessage, GossipValidationError, signCommitment } from '#protocol/index.ts'
import { TOPICS } from '#protocol/messages.ts'
import { createGossip } from '../../src/network/gossip.ts'
import { createLibp2pNode } from '../../src/network/libp2p-node.ts'
import { createNodeMetrics } from '../../src/metrics/registry.ts'
import type { Gossip, GossipHandler, GossipOptions } from '../../src/network/gossip.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'
import type { GossipMetrics, NodeMetrics } from '../../src/metrics/registry.ts'
import type { Hex, MemberBundle, SignedCommitment } from '#protocol/messages.ts'
import type { Test } from 'tap'
import { CHAIN_ID, makeSignedJob, member, NOW, REGISTRY } from '../../../protocol/test/fixtures.ts'

// SPEC section 6 on real gossipsub: a node forwards a message once its validation accepts it, and a
// validation may wait (bounded) for what the node is behind on, so a relay passes on what it took late.
const logger = pino({ level: 'silent' })
const signed = await Promise.all([0, 1, 2, 3].map(async (n) => await signCommitment(
  { jobId: `0x${n.toString(16).padStart(64, '0')}` as Hex, member: member(0).address, commitment: `0x${'cc'.repeat(32)}` }, CHAIN_ID, REGISTRY, member(0).wallet)))
const commitment = (n: number): SignedCommitment => signed[n] as SignedCommitment

interface Node { libp2p: VirusmapLibp2p, gossip: Gossip }

/** three hosts in a line, a - b - c (a and c are no peers of each other), each with the handler given */
async function line (t: Test, handlers: Array<GossipHandler<'commits'>>, pending?: GossipOptions['pending'], metricsOf: Array<GossipMetrics | undefined> = []): Promise<Node[]> {
  const nodes: Node[] = []
  for (const [i, handler] of handlers.entries()) {
    const libp2p = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listenAddrs: ['/ip4/127.0.0.1/tcp/0'] })
    const metrics = metricsOf[i]
    const gossip = createGossip({ libp2p, domain: { chainId: CHAIN_ID, registry: REGISTRY }, logger, ...(pending === undefined ? {} : { pending }), ...(metrics === undefined ? {} : { metrics }) })
    gossip.handle('commits', handler)
    await libp2p.start()
    await gossip.start()
    nodes.push({ libp2p, gossip })
  }
  t.teardown(async () => {
    for (const n of nodes.toReversed()) {
      await n.gossip.stop()
      await n.libp2p.stop()
    }
  })
  const [a, b, c] = nodes as [Node, Node, Node]
  await a.libp2p.dial(b.libp2p.getMultiaddrs())
  await b.libp2p.dial(c.libp2p.getMultiaddrs())
  // a publishes to b, and b forwards to c, only once each has seen the other's subscription
  const subscribed = (from: Node, to: Node): boolean => [TOPICS.commits, TOPICS.bundles].every((topic) =>
    from.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(to.libp2p.peerId)))
  for (let i = 0; i < 200 && !(subscribed(a, b) && subscribed(b, c)); i++) await sleep(25)
  return nodes
}

const accept: GossipHandler<'commits'> = () => {}

async function within (ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(25)
  }
  return await check()
}

/**
 * whether the node counting into `metrics` has judged `count` messages of `topic`: it forwards an accepted one as it
 * judges it, so what it let through is on its way before any message it judges later. A test that a relay stops a
 * message sends one it accepts after it: that one arriving alone shows the first went no further, without sleeping
 */
const judged = (metrics: NodeMetrics, topic: string, count: number) => async (): Promise<boolean> =>
  (await metrics.gossip.messages.get()).values.filter((v) => v.labels['topic'] === topic).reduce((n, v) => n + v.value, 0) >= count

tap.test('a relay that waits in validation forwards the message once it accepts it', async (t) => {
  const { promise: caughtUp, resolve: catchUp } = Promise.withResolvers<void>()
  const atC: SignedCommitment[] = []
  const metrics = createNodeMetrics()
  const pendingAtB = async (): Promise<string> => await metrics.registry.getSingleMetricAsString('virusmap_gossip_pending_validations')
  const [a] = await line(t, [accept, async (_msg, _from, options) => {
    // behind: the job this commitment names has not arrived here yet
    await Promise.race([caughtUp, new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', reject, { once: true }) })])
  }, (msg) => { atC.push(msg) }], undefined, [undefined, metrics.gossip])
  await a?.gossip.publish('commits', commitment(1))
  t.notOk(await within(500, () => atC.length > 0), 'c has nothing while b waits')
  t.match(await pendingAtB(), /virusmap_gossip_pending_validations 1$/m, 'b counts the waiting validation')
  catchUp()
  t.ok(await within(5000, () => atC.length === 1), 'c gets the message once b accepted it')
  t.match(await pendingAtB(), /virusmap_gossip_pending_validations 0$/m)
  t.same(atC, [commitment(1)])
})

tap.test('what a relay ignores or rejects goes no further', async (t) => {
  const atC: SignedCommitment[] = []
  const metrics = createNodeMetrics()
  const [a] = await line(t, [accept, (msg) => {
    if (msg.commitment.jobId.endsWith('1')) throw new GossipValidationError('ignore', 'UNKNOWN_JOB', 'job not known')
    if (msg.commitment.jobId.endsWith('2')) throw new GossipValidationError('reject', 'BAD_SIGNATURE', 'forged')
  }, (msg) => { atC.push(msg) }], undefined, [undefined, metrics.gossip])
  await a?.gossip.publish('commits', commitment(1))
  await a?.gossip.publish('commits', commitment(2))
  t.ok(await within(5000, judged(metrics, 'commits', 2)), 'b judged both')
  await a?.gossip.publish('commits', commitment(3))
  t.ok(await within(5000, () => atC.length > 0))
  t.same(atC, [commitment(3)], 'neither reached c, only the message b accepted after them')
})

tap.test('a relay waits only while it holds a slot, and only up to maxWaitMs', async (t) => {
  const signals: AbortSignal[] = []
  const atC: SignedCommitment[] = []
  const [a] = await line(t, [accept, async (msg, _from, options) => {
    if (options.signal !== undefined) signals.push(options.signal)
    if (options.signal?.aborted === true) throw new GossipValidationError('ignore', 'UNKNOWN_JOB', 'no slot to wait in')
    await new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', () => { reject(new GossipValidationError('ignore', 'UNKNOWN_JOB', `${msg.commitment.jobId} waited too long`)) }, { once: true }) })
  }, (msg) => { atC.push(msg) }], { max: 1, maxWaitMs: 800 })
  await a?.gossip.publish('commits', commitment(1))
  t.ok(await within(2000, () => signals.length === 1), 'the first message waits')
  await a?.gossip.publish('commits', commitment(2))
  t.ok(await within(2000, () => signals.length === 2), 'the second is validated at once')
  t.equal(signals[1]?.aborted, true, 'with no slot to wait in: its signal is already aborted')
  t.equal(signals[0]?.aborted, false, 'the first still waits')
  t.ok(await within(3000, () => signals[0]?.aborted === true), 'until maxWaitMs')
  t.same(atC, [], 'neither was forwarded')
})

tap.test('stopping gossip ends every waiting validation', async (t) => {
  const signals: AbortSignal[] = []
  const [a, b] = await line(t, [accept, async (_msg, _from, options) => {
    if (options.signal !== undefined) signals.push(options.signal)
    await new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', reject, { once: true }) })
  }, accept])
  await a?.gossip.publish('commits', commitment(3))
  t.ok(await within(2000, () => signals.length === 1), 'the message waits at b')
  await b?.gossip.stop()
  t.equal(signals[0]?.aborted, true)
})

// SPEC section 6, v2.2: a member's own job messages travel in bundles, each message judged as on its own topic
const publishRaw = async (from: Node | undefined, bundle: MemberBundle): Promise<void> => {
  await from?.libp2p.services.pubsub.publish(TOPICS.bundles, encodeMessage(bundle))
}
const bundleOf = (...messages: SignedCommitment[]): MemberBundle => ({ type: 'bundle', member: member(0).address, messages })
const jobOf = (msg: SignedCommitment): number => Number.parseInt(msg.commitment.jobId.slice(-1), 16)

tap.test('a busy member\'s messages go out as one bundle and arrive one by one', async (t) => {
  const atC: number[] = []
  const metrics = createNodeMetrics()
  const [a] = await line(t, [accept, accept, (msg) => { atC.push(jobOf(msg)) }], undefined, [metrics.gossip])
  await Promise.all([1, 2, 3].map(async (n) => { await a?.gossip.publish('commits', commitment(n)) }))
  t.ok(await within(5000, () => atC.length === 3), 'c got all three')
  t.same(atC, [1, 2, 3], 'in the order they were made')
  const published = await metrics.registry.getSingleMetricAsString('virusmap_gossip_published_total')
  t.match(published, /virusmap_gossip_published_total\{topic="bundles"\} 1$/m, 'in one gossip message')
  t.match(published, /virusmap_gossip_published_total\{topic="commits"\} 3$/m)
})

tap.test('a bundle goes on when one message in it is new; one re-assembled from seen messages stops at the relay', async (t) => {
  const atC: number[] = []
  const seenAtB = new Set<number>()
  const metrics = createNodeMetrics()
  const [a] = await line(t, [accept, (msg) => {
    if (seenAtB.has(jobOf(msg))) throw new GossipValidationError('ignore', 'DUPLICATE', 'seen')
    seenAtB.add(jobOf(msg))
  }, (msg) => { atC.push(jobOf(msg)) }], undefined, [undefined, metrics.gossip])
  await publishRaw(a, bundleOf(commitment(1)))
  t.ok(await within(5000, () => atC.length === 1))
  await publishRaw(a, bundleOf(commitment(1), commitment(2)))
  t.ok(await within(5000, () => atC.length === 3), 'the bundle with a new message reached c')
  t.same(atC, [1, 1, 2], 'whole: c judges each message itself')
  await publishRaw(a, bundleOf(commitment(2), commitment(1)))
  t.ok(await within(5000, judged(metrics, 'bundles', 3)), 'b judged the third bundle')
  await publishRaw(a, bundleOf(commitment(3)))
  t.ok(await within(5000, () => atC.length > 3))
  t.same(atC, [1, 1, 2, 3], 'every message already seen at b: not forwarded, unlike the new bundle after it')
})

tap.test('a forged message slipped into a member\'s bundle gets it rejected at the first relay, even where its topic would ignore it unchecked', async (t) => {
  const atC: number[] = []
  const metrics = createNodeMetrics()
  const [a] = await line(t, [accept, (msg) => {
    // the relay's own topic check drops job 3's message before its signature, as a closed commit window does
    if (jobOf(msg) === 3) throw new GossipValidationError('ignore', 'STALE', 'commit window closed')
  }, (msg) => { atC.push(jobOf(msg)) }], undefined, [undefined, metrics.gossip])
  const forged: SignedCommitment = { ...commitment(3), signature: commitment(2).signature }
  await publishRaw(a, bundleOf(commitment(2), forged))
  t.ok(await within(5000, judged(metrics, 'bundles', 1)), 'b judged the bundle with the forgery')
  await publishRaw(a, bundleOf(commitment(2)))
  t.ok(await within(5000, () => atC.length === 1), 'the member\'s own bundle still travels')
  t.same(atC, [2], 'and the one with the forgery in it was not forwarded before it')
})

tap.test('in a bundle, a message that waits for its job holds back no other job\'s message', async (t) => {
  const { promise: jobArrived, resolve: arrive } = Promise.withResolvers<void>()
  const handledAtB: number[] = []
  const atC: number[] = []
  const [a] = await line(t, [accept, async (msg) => {
    if (jobOf(msg) === 1) await jobArrived
    handledAtB.push(jobOf(msg))
  }, (msg) => { atC.push(jobOf(msg)) }])
  await publishRaw(a, bundleOf(commitment(1), commitment(2)))
  t.ok(await within(5000, () => handledAtB.includes(2)), 'job 2\'s message taken while job 1\'s waits')
  t.notOk(handledAtB.includes(1))
  t.same(atC, [], 'the bundle goes on only once all of it is judged')
  arrive()
  t.ok(await within(5000, () => atC.length === 2))
  t.same(handledAtB, [2, 1])
})

tap.test('a flood of new jobs holds back no member\'s bundle: a relay judges work under way first', async (t) => {
  const jobs = await Promise.all(Array.from({ length: 150 }, async (_, i) => await makeSignedJob({ createdAt: NOW + i })))
  const atB: string[] = []
  const [a, b] = await line(t, [accept, () => { atB.push('commitment') }, accept])
  // each job costs the relay 3 ms (its signature, membership, a scan to start): 450 ms for the flood
  b?.gossip.handle('jobs', () => {
    const until = performance.now() + 3
    while (performance.now() < until);
    atB.push('job')
  })
  for (const job of jobs) await a?.libp2p.services.pubsub.publish(TOPICS.jobs, encodeMessage(job))
  await a?.gossip.publish('commits', commitment(1))
  t.ok(await within(20_000, () => atB.length === jobs.length + 1), 'b judged every message')
  const at = atB.indexOf('commitment')
  t.ok(at < jobs.length / 2, `the commitment, sent last, was judged after ${at} of ${jobs.length} jobs, not after the flood`)
})
