/** Types of verify.js, the page's report checks (see that file). */
import type { Verifier } from '#protocol/eip712-hash.js'
import type { AgeLimit, BlockState, Check } from './report-derive.js'
import type { EpochAnchor } from './chain-reads.js'
import type { AnchoredStatus } from './anchor-proof.js'
export type Asked = { hash: string, source?: string } | { kind: string, subject: string }
export interface ReportCheck {
  ok: boolean
  checks: Check[]
  attesters: string[]
  attestedEngines: string[]
  absent: string[]
  withheld: string[]
  quorum: number
  memberCount: number
  anchor: AnchoredStatus | { status: 'pending', reason: 'not-served' | 'no-anchors-contract' } | { status: 'failed', epoch?: number }
}
export function checkReport (
  verifier: Verifier, attributes: unknown, asked: Asked, deployment: { chainId: number, registry: string }, chain: Required<BlockState> & { age: AgeLimit, anchor?: EpochAnchor }, now: number
): ReportCheck
