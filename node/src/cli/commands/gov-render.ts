// How `virusmap gov` prints for people (--json prints the data as it is).
import { formatEther } from 'ethers'
import type { MemberInfo, ProposalStatus } from '#governance/index.ts'

/** Columns padded to their widest cell; the first row is the header. */
export function table (rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n'
}

export const formatVmt = (wei: string | bigint): string => `${formatEther(wei).replace(/\.0$/, '')} VMT`
export const firstLine = (text: string): string => (text.split('\n')[0] ?? '').slice(0, 72)

export function renderStatus (s: ProposalStatus): string {
  const votes = s.votes
  const counted = BigInt(votes.for) + BigInt(votes.abstain)
  const quorum = s.quorum === null
    ? 'set at the snapshot block'
    : `${formatVmt(s.quorum)} (for + abstain: ${counted >= BigInt(s.quorum) ? 'reached' : 'not reached'})`
  return `proposal ${s.id}\n` +
    `state:     ${s.state}\n` +
    `proposer:  ${s.proposer}\n` +
    `snapshot:  block ${s.snapshot}    deadline: block ${s.deadline}\n` +
    `votes:     for ${formatVmt(votes.for)}, against ${formatVmt(votes.against)}, abstain ${formatVmt(votes.abstain)}\n` +
    `quorum:    ${quorum}\n` +
    `eta:       ${s.eta === null ? '-' : `${new Date(s.eta * 1000).toISOString()} (unix ${s.eta})`}\n` +
    `actions:\n${s.actions.map((a) => `  ${a.call ?? `${a.target} value ${a.value} data ${a.calldata.slice(0, 74)}`}\n`).join('')}` +
    `description:\n${s.description.split('\n').map((l) => `  ${l}\n`).join('')}`
}

/** The engines column is the on-chain declaration, the one verdicts are held to; metadata is the operator's own text. */
export function renderMembers (members: MemberInfo[]): string {
  if (members.length === 0) return 'no members\n'
  return table([['OPERATOR', 'PEER ID', 'REGISTERED', 'TERM ENDS', 'METADATA', 'ENGINES'],
    ...members.map((m) => [m.operator, m.peerId, `block ${m.registeredAt}`, m.termEnd === null ? 'no term' : `block ${m.termEnd}`,
      m.metadataURI === '' ? '-' : m.metadataURI, m.engines.length === 0 ? '-' : m.engines.join(',')])])
}
