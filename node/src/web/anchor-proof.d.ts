/** Types of anchor-proof.js, the page's check of a served anchor (see that file). */
import type { EpochAnchor } from './chain-reads.js'
import type { Derived } from './report-derive.js'
export interface ServedAnchor { epoch: number, root: string, proof: string[] }
/** an anchor proven against the chain: the leaf computed in the page, the node's siblings, the chain's root */
export interface AnchoredStatus { status: 'anchored', epoch: number, block: number, leaf: string, proof: string[], root: string }
export function parseServedAnchor (value: unknown): ServedAnchor | string | undefined
export function leafValues (job: unknown, report: Derived): unknown[]
export function leafHash (values: unknown[], keccak: (bytes: Uint8Array) => Uint8Array): Uint8Array
/** the root `proof` leads to from `leaf`, pairs hashed sorted (OpenZeppelin MerkleProof), as 0x-hex */
export function rootOf (leaf: Uint8Array, proof: string[], keccak: (bytes: Uint8Array) => Uint8Array): string
export function checkAnchor (job: unknown, report: Derived, served: ServedAnchor, chain: EpochAnchor, keccak: (bytes: Uint8Array) => Uint8Array): {
  ok: boolean, detail: string, status: AnchoredStatus | { status: 'failed', epoch: number }
}
