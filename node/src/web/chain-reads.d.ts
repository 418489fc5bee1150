/** Types of chain-reads.js, the page's JSON-RPC reads of the pinned deployment. */
import type { AgeLimit, BlockState } from './report-derive.js'
/** an epoch's anchor as ReportAnchors holds it (light-client/chain-reader.ts EpochAnchor) */
export interface EpochAnchor {
  epochBlocks: number
  anchor?: { root: string, leafCount: number, anchoredAt: number, maxJobAgeBlocks: number }
}
export class ChainReadError extends Error {
  readonly code: string
  constructor (code: string, message: string)
}
export interface ChainReads {
  chainId(): Promise<number>
  parametersAt(block: number, head: number): Promise<{ faultDivisor: number, clockSkewMs: number }>
  blockState(block: number): Promise<Required<BlockState> | undefined>
  ageLimit(block: number): Promise<AgeLimit>
  epochAnchor(epoch: number): Promise<EpochAnchor | undefined>
}
export function createChainReads (deployment: { rpcUrl: string, registry: string, parameters?: string, anchors?: string }, keccak: (bytes: Uint8Array) => Uint8Array): ChainReads
export function createJsonRpc (rpcUrl: string): { rpcResult(method: string, params: unknown[]): Promise<unknown>, rpc(method: string, params: unknown[]): Promise<string> }
