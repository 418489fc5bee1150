import type { JsonRpcProvider } from 'ethers'
import type { Logger } from 'pino'
import type { Hex } from '#protocol/messages.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { SerialSigner } from '../chain/serial-signer.ts'
import type { Database, Repositories } from '../db/index.ts'
import type { DurableBlockstore } from '../ipfs/index.ts'
import type { NodeMetrics } from '../metrics/registry.ts'
import type { Gossip } from '../network/gossip.ts'
import type { VirusmapLibp2p } from '../network/libp2p-node.ts'
import type { SupernodeConfig } from './config.ts'
import type { NodeKeys } from './node-keys.ts'

/**
 * What supernode.ts builds first and every wiring module (market-wiring.ts, epoch-wiring.ts,
 * api-wiring.ts) builds its components over: the config, the node's keys, its open database, RPC
 * provider, libp2p host and the shared services on them.
 */
export interface NodeContext {
  config: SupernodeConfig
  logger: Logger
  keys: NodeKeys
  /** the operator address, lower case */
  operator: Hex
  provider: JsonRpcProvider
  db: Database
  libp2p: VirusmapLibp2p
  metrics: NodeMetrics
  /** anchors, rewards, evidence proofs and fulfils send with one key: one at a time, or they take the same nonce */
  sender: SerialSigner
  repositories: Repositories
  blockstore: DurableBlockstore
  follower: RegistryFollower
  gossip: Gossip
}
