import type { Hex, SampleKind } from '#protocol/messages.ts'

export type VoteVerdict = 'harmless' | 'malicious'

export interface VoteView {
  voter: string
  verdict: VoteVerdict
  /** ms since the epoch */
  date: number
}

/**
 * Community votes (VirusTotal's /{collection}/{id}/votes), one per API key per object. An object
 * is its kind and sha256 (a file's, or an indicator's canonical subject's): a file and a URL with
 * the same sha256 are different objects.
 */
export interface VoteStore {
  /** false when this voter already voted on the object */
  add(kind: SampleKind, sha256: Hex, vote: VoteView): Promise<boolean>
  /** newest first */
  list(kind: SampleKind, sha256: Hex, limit: number): Promise<VoteView[]>
  totals(kind: SampleKind, sha256: Hex): Promise<Record<VoteVerdict, number>>
}
