/**
 * The order in which the other jobId lists under an anchored root are tried (SPEC 17, "Reports fetched from
 * peers"). A list is signed by a member but its jobIds are not tied to its leaves, so a lying member can sign
 * as many lists as it likes and serve each from its own sybil host. Lists therefore take turns per signing
 * member, not per list or peer: each signer offers one list at a time, and a signer whose list has a job no
 * peer serves waits until the other signers' lists are done (report-fetch-service.ts), so the asks forgeries
 * take from other signers' lists are bounded by the lying members, not by their hosts. The held list's signer
 * (its list already has a job no peer served) goes last; within a signer, lists with more jobs held here go
 * first, and ties rotate from pass to pass so a signer that also signed the anchored list cannot keep it behind
 * the same forgeries of its own.
 */
/** a list as far as its turn goes: who signed it */
interface Signed { proposer: string }

export interface SignerTurn<L extends Signed> {
  proposer: string
  /** this signer's lists in the order they are tried */
  lists: L[]
}

/**
 * `lists` grouped by signer in turn order; `held(list)`: how many of its jobs this node holds, `round`: the
 * pass's number (rotates ties), `suspect`: the held list's signer, tried last.
 */
export function signerTurns<L extends Signed> (lists: readonly L[], held: (list: L) => number, round: number, suspect: string): Array<SignerTurn<L>> {
  const bySigner = new Map<string, L[]>()
  for (const list of lists) {
    const proposer = list.proposer.toLowerCase()
    bySigner.set(proposer, [...(bySigner.get(proposer) ?? []), list])
  }
  const turns = [...bySigner].map(([proposer, own]) => {
    const shift = round % own.length
    const rotated = [...own.slice(shift), ...own.slice(0, shift)]
    return { proposer, lists: rotated.toSorted((a, b) => held(b) - held(a)) }
  })
  const last = suspect.toLowerCase()
  return [...turns.filter((s) => s.proposer !== last), ...turns.filter((s) => s.proposer === last)]
}
