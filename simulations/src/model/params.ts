import { DEFAULT_MAX_WAIT_MS } from '../../../node/src/network/pending-validations.ts'

/** Gossipsub and network parameters of the model; defaults are the node's (libp2p-node.ts, gossip-scoring.ts). */
export interface ModelParams {
  D: number
  Dlo: number
  Dhi: number
  Dlazy: number
  heartbeatMs: number
  /** heartbeats of message ids announced in IHAVE (gossipsub mcacheGossip) */
  mcacheGossip: number
  /** connections each peer opens at start (peers accept the rest) */
  connectDegree: number
  /** median one-way access latency per peer, ms; a link adds both ends' */
  accessLatencyMs: number
  latencySigma: number
  /** median uplink, Mbit/s; Infinity for none */
  uplinkMbps: number
  uplinkSigma: number
  /** CPU to validate and apply one accepted message, ms */
  cpuPerMessageMs: number
  /**
   * CPU per KiB of an accepted message, ms, on top of cpuPerMessageMs: what grows with its size (decoding,
   * hashing, the garbage it leaves). At 100 members an attestation is 23 KB, a commitment 0.3 KB.
   */
  cpuPerKiBMs: number
  /** CPU to drop a duplicate or a graylisted peer's RPC, ms */
  cpuPerDuplicateMs: number
  /** gossipsub invalidMessageDeliveriesWeight x topic weight (the penalty is squared in the count) */
  invalidWeight: number
  graylistThreshold: number
  gossipThreshold: number
  /** how long a relay's validation waits for what a message outran before ignoring it (pending-validations.ts) */
  maxWaitMs: number
  /** all peers share one CPU queue: how the real-code run executes, for calibration only */
  sharedCpu: boolean
}

export const DEFAULT_PARAMS: Readonly<ModelParams> = Object.freeze({
  D: 4,
  Dlo: 2,
  Dhi: 8,
  Dlazy: 4,
  heartbeatMs: 1000,
  mcacheGossip: 3,
  connectDegree: 8,
  accessLatencyMs: 20,
  latencySigma: 0.5,
  uplinkMbps: 50,
  uplinkSigma: 0.7,
  cpuPerMessageMs: 2.6,
  cpuPerKiBMs: 0,
  cpuPerDuplicateMs: 0.05,
  invalidWeight: -100,
  graylistThreshold: -2500,
  gossipThreshold: -500,
  maxWaitMs: DEFAULT_MAX_WAIT_MS,
  sharedCpu: false
})
