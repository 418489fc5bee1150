/** Types of gov-actions.js, the page's Governor actions through the user's wallet. */
export type GovActionErrorCode = 'NO_GOVERNOR' | 'GOVERNOR_MISMATCH' | 'NOT_ACTIVE' | 'NO_VOTING_POWER' | 'ALREADY_VOTED' | 'WRONG_STATE' | 'TOO_EARLY' | 'INCOMPLETE' | 'BAD_INPUT'
export class GovActionError extends Error {
  readonly code: GovActionErrorCode
  constructor (code: GovActionErrorCode, message: string)
}
export const STATE_NAMES: string[]
export const SUPPORT: Record<'against' | 'for' | 'abstain', number>
export const MAX_REASON: number
export function proposalCalls (p: unknown, keccak: (bytes: Uint8Array) => Uint8Array): { id: bigint, calls: [string[], bigint[], string[], Uint8Array] }
export function createGovActions (options: { keccak: (bytes: Uint8Array) => Uint8Array, abis: Record<'governor' | 'vmt' | 'registry' | 'timelock', unknown>, provider: unknown, account: string, deployment: { chainId: number, registry: string, governor: string } }): unknown
