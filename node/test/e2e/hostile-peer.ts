import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { setTimeout as sleep } from 'node:timers/promises'
import { encodeMessage } from '#protocol/index.ts'
import { TOPICS } from '#protocol/messages.ts'
import { createLibp2pNode } from '../../src/network/libp2p-node.ts'
import type { GossipMessage, TopicName } from '#protocol/messages.ts'
import type { VirusmapLibp2p } from '../../src/network/libp2p-node.ts'

/**
 * A real libp2p peer outside the member set, for e2e tests: it joins the supernodes' gossip
 * and publishes whatever bytes a test hands it (garbage, forgeries, replays).
 */
export interface HostilePeer {
  node: VirusmapLibp2p
  publishRaw(topic: TopicName, bytes: Uint8Array): Promise<void>
  publish(topic: TopicName, msg: GossipMessage): Promise<void>
  stop(): Promise<void>
}

export async function startHostilePeer (targets: string[]): Promise<HostilePeer> {
  const node = await createLibp2pNode({ privateKey: await generateKeyPair('Ed25519'), listenAddrs: ['/ip4/127.0.0.1/tcp/0'] })
  await node.start()
  for (const topic of Object.values(TOPICS)) node.services.pubsub.subscribe(topic)
  const targetPeers = new Set<string>()
  for (const addr of targets) targetPeers.add((await node.dial(multiaddr(addr))).remotePeer.toString())
  // wait until every target's subscriptions arrived (gossipsub sends them all in one message on connect): a
  // message published before reaches only the peers known so far, and a member that refuses it never forwards it
  const knowsAll = (): boolean => {
    const subscribers = new Set(node.services.pubsub.getSubscribers(TOPICS.jobs).map((p) => p.toString()))
    return [...targetPeers].every((id) => subscribers.has(id))
  }
  for (let i = 0; i < 100 && !knowsAll(); i++) await sleep(100)
  const publishRaw = async (topic: TopicName, bytes: Uint8Array): Promise<void> => {
    await node.services.pubsub.publish(TOPICS[topic], bytes)
  }
  return {
    node,
    publishRaw,
    publish: async (topic, msg) => { await publishRaw(topic, encodeMessage(msg)) },
    stop: async () => { await node.stop() }
  }
}

/** Reads one counter of a node's Prometheus /metrics (sum over series matching the labels). */
export async function readCounter (api: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text()
  let total = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}
