/** Types of report-derive.js, the page's mirror of protocol deriveReport. */
import type { Verifier } from '#protocol/eip712-hash.js'
export interface BlockState { members: string[], registrations: Record<string, string[]>, faultDivisor: number, clockSkewMs?: number }
/** how old a job at a block may be (light-client/chain-reader.ts AgeLimit) */
export interface AgeLimit { maxJobAgeBlocks: number, limitBlock: number, limitTimestamp?: number }
export interface Check { name: string, ok: boolean, detail: string }
export interface DerivedEngine {
  engine: string, engineVersion: string, engineUpdate: string, category: string, result: string, method: string,
  members: string[], answered: number, registered: number, attested: boolean
}
export interface Derived {
  jobId: string, digest: string, revealed: string[], detected: string[], members: string[], quorum: number, attesters: string[], absent: string[], withheld: string[],
  results: Record<string, DerivedEngine>, stats: Record<string, number>, date: number
}
export const CATEGORIES: string[]
export function quorumThreshold (n: number, faultDivisor?: number): number
export function aggregateEngines (verdicts: unknown[], registrations: Record<string, string[]>, faultDivisor: number): { results: Record<string, DerivedEngine>, stats: Record<string, number> }
export function deriveReport (verifier: Verifier, vm: unknown, state: BlockState, deployment: { chainId: number, registry: string }, checks: Check[]): Derived | undefined
