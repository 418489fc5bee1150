/** Types of verify.js, the page's plain-JS report checks (see that file). */
export interface VerifierCrypto {
  keccak_256: (bytes: Uint8Array) => Uint8Array
  secp256k1: unknown
}
export interface Verifier {
  jobId(job: unknown, chainId: number, registry: string): string
  verdictHash(verdict: unknown): string
  recoverJobSigner(signed: unknown, chainId: number, registry: string): string | undefined
  recoverVerdictSigner(signed: unknown, chainId: number, registry: string): string | undefined
  recoverSubmitter(job: unknown, chainId: number, registry: string): string | undefined
}
export interface FileReportCheck {
  ok: boolean
  checks: Array<{ name: string, ok: boolean, detail: string }>
  signers: string[]
  quorum: number
  memberCount: number
}
export const CATEGORIES: string[]
export function hexToBytes (hex: string): Uint8Array
export function bytesToHex (bytes: Uint8Array): string
export function createVerifier (crypto: VerifierCrypto): Verifier
export function quorumThreshold (n: number, faultDivisor?: number): number
export function tally (verdicts: unknown[]): { results: Record<string, unknown>, stats: Record<string, number> }
export function checkFileReport (verifier: Verifier, attributes: unknown, members: string[], expectedSha256: string): FileReportCheck
export function checkIndicatorReport (verifier: Verifier, attributes: unknown, members: string[], kind: string, subject: string, subjectSha256: string): FileReportCheck
