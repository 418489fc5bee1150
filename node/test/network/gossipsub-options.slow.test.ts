import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import tap from 'tap'
import { TOPICS } from '#protocol/messages.ts'
import { createLibp2pNode } from '../../src/network/libp2p-node.ts'
import { virusmapGossipsubOptions } from '../../src/network/gossipsub-options.ts'
import { DEFAULT_MAX_WAIT_MS } from '../../src/network/pending-validations.ts'
import type { GossipsubMessage } from '@libp2p/gossipsub'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'

// SPEC section 6: a relay's validation may wait up to DEFAULT_MAX_WAIT_MS for what it is behind on. gossipsub
// forwards what it then accepts to its mesh peers and announces it (IHAVE) to others only while the message
// lies in the gossip window of its cache, counted in heartbeats from when it was received: by default the
// last 3, so a message accepted after a longer wait was never announced.

/** what gossipsub would announce now (its message cache is private: the window is the behaviour under test) */
function announced (node: VirusmapLibp2p, topic: string): string[] {
  const { mcache } = node.services.pubsub as unknown as { mcache: { getGossipIDs(topics: Set<string>): Map<string, Uint8Array[]> } }
  return (mcache.getGossipIDs(new Set([topic])).get(topic) ?? []).map((id) => Buffer.from(id).toString('base64url'))
}

tap.test('a message accepted at the end of the longest validation wait is still announced by IHAVE, and still in the cache for the IWANT', async (t) => {
  const nodes: VirusmapLibp2p[] = []
  for (let i = 0; i < 2; i++) {
    const node = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listenAddrs: ['/ip4/127.0.0.1/tcp/0'] })
    await node.start()
    node.services.pubsub.subscribe(TOPICS.commits)
    nodes.push(node)
  }
  t.teardown(async () => { for (const n of nodes) await n.stop() })
  const [origin, relay] = nodes as [VirusmapLibp2p, VirusmapLibp2p]
  const received = Promise.withResolvers<GossipsubMessage>()
  relay.services.pubsub.addEventListener('gossipsub:message', (evt) => { received.resolve(evt.detail) })
  await origin.dial(relay.getMultiaddrs())
  for (let i = 0; i < 200 && origin.services.pubsub.getSubscribers(TOPICS.commits).length === 0; i++) await sleep(25)

  await origin.services.pubsub.publish(TOPICS.commits, randomBytes(64))
  const { msgId, propagationSource } = await received.promise
  const id = Buffer.from(msgId, 'base64').toString('base64url')
  t.notOk(announced(relay, TOPICS.commits).includes(id), 'not announced while it waits in validation')
  // the relay's validation waits as long as a node lets it, less a heartbeat's margin for this machine's timers
  await sleep(DEFAULT_MAX_WAIT_MS - 1000)
  // the GossipSub interface omits it; gossip.ts reaches it the same way
  const validated = relay.services.pubsub as unknown as { reportMessageValidationResult(msgId: string, from: string, result: TopicValidatorResult): void }
  validated.reportMessageValidationResult(msgId, propagationSource.toString(), TopicValidatorResult.Accept)
  t.ok(announced(relay, TOPICS.commits).includes(id), `announced once accepted, ${DEFAULT_MAX_WAIT_MS - 1000} ms after it arrived`)

  const { mcacheGossip = 0, mcacheLength = 0 } = virusmapGossipsubOptions()
  t.ok(mcacheLength - mcacheGossip >= 2, 'the cache keeps a message two heartbeats past its last announcement, as gossipsub does by default, so an IWANT for it is answered')
})
