/** Types of eip712-hash.js, the protocol's EIP-712 hashing and signer recovery (see that file). */
export interface VerifierCrypto {
  keccak_256: (bytes: Uint8Array) => Uint8Array
  sha256: (bytes: Uint8Array) => Uint8Array
  secp256k1: unknown
  /** the uncompressed (65-byte) public key that signed `hash` with r ‖ s and recovery id `v` (0 or 1), or null; throws or answers null for no key */
  recoverPublicKey?: (hash: Uint8Array, rs: Uint8Array, v: number) => Uint8Array | null
}
export interface Verifier {
  keccak: (bytes: Uint8Array) => Uint8Array
  subjectSha256(subject: string): string
  jobId(job: unknown, chainId: number, registry: string): string
  structHash(name: string, value: unknown): string
  digest(name: string, value: unknown, chainId: number, registry: string): string
  verdictHash(verdict: unknown): string
  commitment(verdict: unknown, salt: string): string
  reportDigest(attestation: unknown, chainId: number, registry: string): string
  recoverDigest(digest: string, signature: string, expected?: string, wallet?: boolean): string | undefined
  recoverJobSigner(signed: unknown, chainId: number, registry: string): string | undefined
  recoverCommitmentSigner(signed: unknown, chainId: number, registry: string): string | undefined
  recoverVerdictSigner(signed: unknown, chainId: number, registry: string): string | undefined
  recoverSubmitter(job: unknown, chainId: number, registry: string): string | undefined
}
export const DOMAIN: { readonly name: string, readonly version: string }
/** [type, field] pairs of every struct, EIP712Domain included */
export const TYPES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>>
export function typeDependencies (name: string): string[]
export function hexToBytes (hex: string): Uint8Array
export function bytesToHex (bytes: Uint8Array): string
export function concat (parts: Uint8Array[]): Uint8Array
export function word (value: bigint): Uint8Array
export function createVerifier (crypto: VerifierCrypto): Verifier
