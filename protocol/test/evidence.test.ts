// The evidence topic (SPEC 16): a member's two conflicting messages for one job, decoded strictly and
// validated purely: membership at the job's block first (cheap, and only members' keys can fill the
// topic), then the contract's own check (one member, one job, two digests, both signatures).
import tap from 'tap'
import {
  decodeMessage, encodeMessage, GossipValidationError, MAX_MESSAGE_BYTES, signAttestation, signCommitment, signVerdict, validateEquivocation
} from '../src/index.ts'
import type { EquivocationMessage, ValidationCode, ValidationContext } from '../src/index.ts'
import { CHAIN_ID, MEMBERSHIP_BLOCK, OUTSIDER, REGISTRY, makeAttestations, makeContext, makeReveal, makeSignedJob, makeVerdict, member, result } from './fixtures.ts'

const signed = await makeSignedJob()
const { job } = signed
const by = member(1)
const { commit, reveal } = await makeReveal(job, by, [result('YARA', 'undetected')])
const attestation = (await makeAttestations(signed, [commit], [reveal], [by]))[0]!
const otherCommit = await signCommitment({ ...commit.commitment, commitment: `0x${'5e'.repeat(32)}` }, CHAIN_ID, REGISTRY, by.wallet)
const otherVerdict = await signVerdict(makeVerdict(job, by, [result('YARA', 'malicious', 'Contradiction')]), `0x${'11'.repeat(32)}`, CHAIN_ID, REGISTRY, by.wallet)
const otherAttestation = await signAttestation({ ...attestation.attestation, revealed: [], verdicts: [] }, CHAIN_ID, REGISTRY, by.wallet)
const pairs: EquivocationMessage[] = [
  { type: 'evidence', kind: 'commitment', first: commit, second: otherCommit },
  { type: 'evidence', kind: 'verdict', first: reveal, second: otherVerdict },
  { type: 'evidence', kind: 'attestation', first: attestation, second: otherAttestation }
]
const knowing = makeContext({ jobs: [job] })

const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

function codeOf (fn: () => unknown): [string, ValidationCode] | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof GossipValidationError) return [err.action, err.code]
    throw err
  }
  return undefined
}

tap.test('a real pair of each kind validates and round-trips through the canonical encoding', async (t) => {
  for (const msg of pairs) {
    const checked = validateEquivocation(msg, knowing)
    t.same([checked.kind, checked.member, checked.jobId], [msg.kind, by.address, reveal.verdict.jobId], msg.kind)
    const bytes = encodeMessage(msg)
    t.ok(bytes.length <= MAX_MESSAGE_BYTES.evidence)
    t.same(decodeMessage('evidence', bytes), msg, `${msg.kind}: decodes to itself`)
  }
})

tap.test('pairs that prove nothing are rejected; what this node cannot judge yet is ignored', async (t) => {
  const [commitments, verdicts, attestations] = pairs as [EquivocationMessage & { kind: 'commitment' }, EquivocationMessage & { kind: 'verdict' }, EquivocationMessage & { kind: 'attestation' }]
  const outsiderCommit = await signCommitment({ ...commit.commitment, member: OUTSIDER.address }, CHAIN_ID, REGISTRY, OUTSIDER.wallet)
  const outsiderSecond = await signCommitment({ ...commit.commitment, member: OUTSIDER.address, commitment: `0x${'6f'.repeat(32)}` }, CHAIN_ID, REGISTRY, OUTSIDER.wallet)
  const unknownJob: ValidationContext = makeContext()
  const cases: Array<[string, EquivocationMessage, ValidationContext, [string, ValidationCode] | undefined]> = [
    ['one message twice', { ...commitments, second: commit }, knowing, ['reject', 'NOT_EQUIVOCATION']],
    ['the same verdict with another salt', { ...verdicts, second: await signVerdict(reveal.verdict, `0x${'22'.repeat(32)}`, CHAIN_ID, REGISTRY, by.wallet) }, knowing, ['reject', 'NOT_EQUIVOCATION']],
    ['two members', { ...commitments, second: (await makeReveal(job, member(2), [])).commit }, knowing, ['reject', 'NOT_EQUIVOCATION']],
    ['another key signing in the member\'s name', { ...commitments, second: await signCommitment(otherCommit.commitment, CHAIN_ID, REGISTRY, member(2).wallet) }, knowing, ['reject', 'BAD_SIGNATURE']],
    ['signed under another registry', { ...commitments, second: await signCommitment(otherCommit.commitment, CHAIN_ID, OUTSIDER.address, by.wallet) }, knowing, ['reject', 'BAD_SIGNATURE']],
    ['a non-member\'s pair for a known job', { type: 'evidence', kind: 'commitment', first: outsiderCommit, second: outsiderSecond }, knowing, ['reject', 'NOT_MEMBER']],
    ['a non-member\'s pair for a job this node does not know', { type: 'evidence', kind: 'commitment', first: outsiderCommit, second: outsiderSecond }, unknownJob, ['ignore', 'NOT_MEMBER']],
    ['a verdict pair at a block before membership', { ...verdicts, first: await signVerdict({ ...reveal.verdict, membershipBlock: MEMBERSHIP_BLOCK - 1 }, `0x${'33'.repeat(32)}`, CHAIN_ID, REGISTRY, by.wallet) }, knowing, ['reject', 'NOT_MEMBER']],
    ['a verdict pair at a block not followed yet', { ...verdicts, first: await signVerdict({ ...reveal.verdict, membershipBlock: MEMBERSHIP_BLOCK + 100 }, `0x${'33'.repeat(32)}`, CHAIN_ID, REGISTRY, by.wallet) }, knowing, ['ignore', 'FUTURE_MEMBERSHIP_BLOCK']],
    ['an attestation pair for an unknown job: membership at the followed block', attestations, unknownJob, undefined]
  ]
  for (const [what, msg, ctx, expected] of cases) t.same(codeOf(() => validateEquivocation(msg, ctx)), expected, what)
})

tap.test('hostile bytes on the evidence topic: one code, nothing else', async (t) => {
  const good = JSON.parse(new TextDecoder().decode(encodeMessage(pairs[0]!))) as Record<string, unknown>
  const cases: Array<[string, Uint8Array, ValidationCode]> = [
    ['not JSON', new TextEncoder().encode('{"type":"evidence"'), 'MALFORMED'],
    ['another kind', enc({ ...good, kind: 'complaint' }), 'MALFORMED'],
    ['kinds mixed: a verdict as the second commitment', enc({ ...good, second: reveal }), 'MALFORMED'],
    ['an extra key', enc({ ...good, note: 'x' }), 'MALFORMED'],
    ['a missing message', enc({ type: good.type, kind: good.kind, first: good.first }), 'MALFORMED'],
    ['another type', enc({ ...good, type: 'verdict' }), 'MALFORMED'],
    ['keys out of order', enc({ kind: good.kind, type: good.type, first: good.first, second: good.second }), 'MALFORMED'],
    ['oversize', new Uint8Array(MAX_MESSAGE_BYTES.evidence + 1), 'OVERSIZE']
  ]
  for (const [what, bytes, code] of cases) t.same(codeOf(() => decodeMessage('evidence', bytes)), ['reject', code], what)
})
