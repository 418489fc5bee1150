/** Types of indicator-canonical.js, the page's mirror of protocol canonicalizeIndicator. */
export const INDICATOR_KINDS: string[]
export function canonicalIndicator (kind: string, raw: string, keccak: (bytes: Uint8Array) => Uint8Array): string | undefined
