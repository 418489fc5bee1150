/** Types of anchor-leaf.js, an epoch anchor's leaf bytes and hash (see that file). */
export const LEAF_TYPES: readonly string[]
export class LeafEncodingError extends Error {
  readonly code: 'MALFORMED_LEAF'
}
export function encodeLeaf (values: readonly unknown[]): Uint8Array
export function leafHash (values: readonly unknown[], keccak: (bytes: Uint8Array) => Uint8Array): Uint8Array
