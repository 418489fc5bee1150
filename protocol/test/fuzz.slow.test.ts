/**
 * Seeded fuzzing of everything that reads what the network or a serving node sends: decodeMessage on
 * every topic (fuzz-decode-1 and -2.slow.test.ts, over the inputs of fuzz-inputs.ts), and here every
 * topic's validator, deriveReport and checkReport. A small PRNG (mulberry32, no
 * dependency) makes every run feed the same inputs, so a failure reproduces from its target and index.
 *
 * Properties: nothing throws anything but GossipValidationError / ReportInvalidError with a code of the
 * closed union; whatever decodes re-encodes to the same bytes; a mutated message never validates (so it
 * never verifies as its signer, nor as anyone else); a report that checks against the chain has the
 * honest report's content and only its attestations. A hang fails the file by tap's timeout.
 *
 * Inputs per target (hostile: random bytes, truncated and mutated encodings, deep nesting, huge and
 * malformed numbers, unicode, duplicate and prototype keys, type confusion, field-level mutations that
 * keep the schema, other jobs' messages spliced in, signatures re-spelled):
 * - decodeMessage, each of the 10 topics: 100,000 (DECODES_PER_TOPIC), five topics a file.
 * - validateScanJob, validateCommitment, validateVerdict, validateAttestation, validateComplaint: 1,500
 *   decoded mutants each (DECODED_PER_VALIDATOR), three in four in a context where the seeds validate.
 *   Most reach signature recovery (about 2 ms on this machine), so 100,000 would take minutes per target.
 * - checkReport and deriveReport: 400 mutated reports each (REPORTS_PER_TARGET): a report carries about
 *   ten signatures, up to 25 ms per input.
 * `npx node protocol/test/fuzz.slow.test.ts` before the split, on the 2-core machine: 40 s of CPU, 35 of
 * them decoding; validators and reports take about 8 s.
 */
import tap from 'tap'
import {
  bundledOutcome, bundleResult, checkReport, deriveReport, encodeMessage, GossipValidationError, MESSAGE_TYPE_TOPIC, MAX_MESSAGE_BYTES, validateAnchorProposal, validateAnchorSignature, validateAttestation, validateCommitment, validateComplaint, validateDeliverySignature, validateEquivocation, validateRewardsSignature, validateScanJob, validateVerdict
} from '../src/index.ts'
import type {
  AnchorSignature, DeliverySignature, DeriveReportInput, EquivocationMessage, GossipMessage, Hex, JobMessage, MemberBundle, Report, ReportCode, RewardsSignature, TopicName, ValidationContext
} from '../src/index.ts'
import { CHAIN_ID, makeAttestations, makeContext, MEMBERS, OUTSIDER, REGISTRATIONS, REGISTRY, reportSignatures, result } from './fixtures.ts'
import {
  anchorContext, attestations, commits, complaints, decodeChecked, DECODED_PER_VALIDATOR, deliveries, deliveryContext, describe, foreign, foreignJob, gossipError, HEX_POOL, indicatorJob, job, jobId, MARKET, mutateBytes, mutateFields, mutateJsonText, mutateLeaf, namedJob, note, proposal, proposed, prototypeBefore, reportError, REPORTS_PER_TARGET, reveals, rewardsContext, rewardsRoot, rewardsSignatures, Rng, sameBytes, SEED_BYTES, SEEDS, signedJob, tally, TIMES, TOPIC_NAMES, utf8
} from './fuzz-inputs.ts'
import type { Json, Tally } from './fuzz-inputs.ts'

// ---------------------------------------------------------------- validators

/** The contexts in which every seed of the topic validates. */
const revealTime = job.commitDeadline + 1000
const allCommitted = commits.map(c => [jobId, c.commitment.member, c.commitment.commitment] as [Hex, Hex, Hex])
const ACCEPTING: Record<TopicName, () => ValidationContext> = {
  jobs: () => makeContext(),
  commits: () => makeContext({ jobs: [job] }),
  verdicts: () => makeContext({ jobs: [job], now: revealTime, commitments: allCommitted }),
  attestations: () => makeContext({ jobs: [job], now: job.revealDeadline + 2000 }),
  complaints: () => makeContext({ jobs: [job, indicatorJob.job] }),
  anchors: () => makeContext(),
  evidence: () => makeContext({ jobs: [job] }),
  rewards: () => makeContext(),
  market: () => makeContext(),
  // in the reveal window: the commitments are late, the reveals and attestations new
  bundles: () => makeContext({ jobs: [job], now: revealTime, commitments: allCommitted })
}

/** Another view of the network: other times, other jobs known, other messages held. */
function randomContext (rng: Rng): ValidationContext {
  const some = <T>(list: T[]): T[] => list.filter(() => rng.chance(0.5))
  const garbage = (): Hex => rng.pick(HEX_POOL[66] as Hex[])
  return makeContext({
    now: rng.pick(TIMES),
    jobs: some([job, indicatorJob.job, namedJob.job, foreignJob.job]),
    commitments: some(allCommitted).map(([j, m, c]) => [j, m, rng.chance(0.8) ? c : garbage()]),
    verdictHashes: some(MEMBERS).map(m => [jobId, m.address, garbage()]),
    attestations: some(MEMBERS).map(m => [jobId, m.address, garbage()]),
    complaints: some(MEMBERS).map(m => [jobId, m.address]),
    submissions: rng.chance(0.2) ? [[garbage(), garbage()]] : []
  })
}

type Validator = (msg: GossipMessage, ctx: ValidationContext) => object
const VALIDATORS: Record<TopicName, Validator> = {
  jobs: (m, c) => validateScanJob(m as never, c),
  commits: (m, c) => validateCommitment(m as never, c),
  verdicts: (m, c) => validateVerdict(m as never, c),
  attestations: (m, c) => validateAttestation(m as never, c),
  complaints: (m, c) => validateComplaint(m as never, c),
  anchors: (m, c) => m.type === 'anchor-proposal' ? validateAnchorProposal(m, anchorContext(c)) : validateAnchorSignature(m as AnchorSignature, anchorContext(c)),
  evidence: (m, c) => validateEquivocation(m as EquivocationMessage, c),
  rewards: (m, c) => validateRewardsSignature(m as RewardsSignature, rewardsContext(c)),
  market: (m, c) => validateDeliverySignature(m as DeliverySignature, deliveryContext(c)),
  // each message by its own topic's validator against the same view, combined as a node does (SPEC 6, v2.2)
  bundles: (m, c) => {
    bundleResult((m as MemberBundle).messages.map((msg) => {
      try {
        VALIDATORS[MESSAGE_TYPE_TOPIC[msg.type]](msg, c)
        return undefined
      } catch (err) {
        return bundledOutcome(msg, err, c.chainId, c.registry)
      }
    }))
    return m
  }
}
/**
 * Only what no signature covers changed: the envelope (which seeds' messages, in which order) or a reveal's
 * salt, which each node checks against the commitment (COMMITMENT_MISMATCH, ignored) rather than a signature.
 */
const signedParts = (m: JobMessage): string => JSON.stringify(m.type === 'verdict' ? { ...m, salt: undefined } : m)
const SEED_MESSAGES = new Set([...commits, ...reveals, ...attestations, ...complaints].map(signedParts))
const rebundled = (m: GossipMessage): boolean => m.type === 'bundle' && m.messages.every(msg => SEED_MESSAGES.has(signedParts(msg)))
const SPLICE: Record<TopicName, unknown[]> = {
  jobs: [namedJob.job.keyWraps[0], indicatorJob.job, foreignJob.job],
  commits: [foreign.commit.commitment, ...commits.map(c => c.commitment)],
  verdicts: [foreign.reveal.verdict, result('Fake', 'malicious'), result('ClamAV', 'malicious', 'x'), ...reveals.map(r => r.verdict)],
  attestations: attestations.map(a => a.attestation),
  complaints: complaints.map(c => c.complaint),
  anchors: [jobId, proposed.jobIds, `0x${'00'.repeat(32)}`, 11, 4097, proposal.signature, OUTSIDER.address],
  evidence: ['commitment', 'verdict', 'attestation', commits[1], reveals[0], attestations[1], OUTSIDER.address],
  rewards: [9, 11, '0', '1' + '0'.repeat(78), rewardsRoot.root, proposal.signature, OUTSIDER.address, ...rewardsSignatures.map(r => r.signature)],
  market: ['7', '8', '0', (2n ** 256n - 1n).toString(), MARKET, OUTSIDER.address, deliveries[0]?.wrapHash, ...deliveries.map(d => d.signature)],
  bundles: [commits[0], reveals[2], attestations[1], complaints[1], signedJob, OUTSIDER.address, jobId]
}

/** A mutant of a seed that still decodes (so it is what a node hands its validator), or undefined after a few tries. */
function decodedMutant (rng: Rng, topic: TopicName, t: Tally): GossipMessage | undefined {
  for (let tries = 0; tries < 8; tries++) {
    const seed = rng.pick(SEEDS[topic])
    const bytes = rng.chance(0.7) ? utf8.encode(JSON.stringify(mutateFields(rng, seed, SPLICE[topic]))) : mutateBytes(rng, encodeMessage(seed), MAX_MESSAGE_BYTES[topic])
    const msg = decodeChecked(t, topic, bytes, `${topic} mutant`)
    if (msg !== undefined && !SEED_BYTES[topic].some(s => sameBytes(s, bytes))) return msg
  }
  return undefined
}

for (const [index, topic] of TOPIC_NAMES.entries()) {
  tap.test(`validator of ${topic}: only GossipValidationError, and no mutated message validates`, async t => {
    const validate = VALIDATORS[topic]
    for (const seed of SEEDS[topic]) t.ok(validate(seed, ACCEPTING[topic]()), 'the seeds validate in the accepting context')
    const rng = new Rng(0x7a11d + index)
    const seen = tally()
    const outcomes = new Map<string, number>()
    while (seen.inputs < DECODED_PER_VALIDATOR) {
      const msg = decodedMutant(rng, topic, seen)
      if (msg === undefined) continue
      seen.inputs++
      const ctx = rng.chance(0.75) ? ACCEPTING[topic]() : randomContext(rng)
      try {
        const accepted = validate(msg, ctx)
        // a bundle's envelope is unsigned: the seeds' messages in another order or subset are valid, and nothing new
        if (rebundled(msg)) {
          outcomes.set('REBUNDLED', (outcomes.get('REBUNDLED') ?? 0) + 1)
          continue
        }
        note(seen, `${topic} #${seen.inputs}: a mutant validated: ${JSON.stringify(accepted)} ${JSON.stringify(msg).slice(0, 400)}`)
      } catch (err) {
        if (!gossipError(err)) note(seen, `${topic} #${seen.inputs}: ${describe(err)}`)
        else outcomes.set((err as GossipValidationError).code, (outcomes.get((err as GossipValidationError).code) ?? 0) + 1)
      }
    }
    t.comment(`${topic}: ${[...outcomes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
    t.same(seen.failures, [], `${topic}: ${seen.inputs} decoded mutants`)
  })
}

// ---------------------------------------------------------------- reports

const members = MEMBERS.map(m => m.address)
const chain = { members, registrations: REGISTRATIONS, faultDivisor: 3 }
const withheldAttestations = await makeAttestations(signedJob, commits, reveals.slice(0, 3), MEMBERS.slice(0, 3))
const inputOf = (r: Partial<Record<keyof DeriveReportInput, unknown>>): DeriveReportInput => ({
  job: r.job, commitments: r.commitments, verdicts: r.verdicts, attestations: r.attestations, members: r.members, registrations: r.registrations,
  faultDivisor: r.faultDivisor, chainId: r.chainId, registry: r.registry
}) as DeriveReportInput
const base = { job: signedJob, members, registrations: REGISTRATIONS, faultDivisor: 3, chainId: CHAIN_ID, registry: REGISTRY }
const REPORTS: Report[] = [
  deriveReport({ ...base, commitments: commits, verdicts: reveals, attestations: reportSignatures(attestations) }),
  deriveReport({ ...base, commitments: commits, verdicts: reveals.slice(0, 3), attestations: reportSignatures(withheldAttestations) })
]
const REPORT_SPLICE: unknown[] = [foreign.commit, foreign.reveal, foreignJob, indicatorJob, ...commits, ...reveals, OUTSIDER.address,
  { member: OUTSIDER.address, signature: foreign.commit.signature }, { ...REGISTRATIONS, Ghost: [OUTSIDER.address] }]

/** What a report says, without which quorum of attestations says it. */
const contentOf = (r: Report): string => JSON.stringify({ ...r, attestations: undefined, job: encodeMessage(r.job).join() },
  (_key, v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).toSorted(([a], [b]) => (a < b ? -1 : 1))) : v))
const SEED_CONTENT = REPORTS.map(contentOf)
const SEED_ATTESTATIONS = new Set(REPORTS.flatMap(r => r.attestations.map(a => `${a.member}${a.signature}`)))

/** A report that checks against the chain says what an honest report says, under attestations an honest report carries. */
function honest (r: Report): boolean {
  return SEED_CONTENT.includes(contentOf(r)) && r.attestations.every(a => SEED_ATTESTATIONS.has(`${a.member}${a.signature}`))
}

const HOSTILE_VALUES: unknown[] = [null, 'x', 0, -1, 1.5, 2, [], {}, [null], JSON.parse('{"__proto__":{"polluted":true}}')]
/** Values of the chain's view a report claims (members, registrations, divisor, chainId, registry), each field's own kind of wrong. */
const CHAIN_VIEW: Record<string, (rng: Rng, r: Report) => unknown> = {
  chainId: rng => rng.pick([-1, -CHAIN_ID, 1, 0, 1.5, 2 ** 53, Number.POSITIVE_INFINITY, String(CHAIN_ID), null]),
  faultDivisor: rng => rng.pick([-3, 0, 1, 2, 4, 100, 2.5, 2 ** 53, '3', null]),
  registry: (rng, r) => rng.pick([r.registry.toUpperCase().replace('0X', '0x'), OUTSIDER.address, r.registry.slice(0, 40), `${r.registry}00`, 7, null]),
  members: (rng, r) => rng.pick([
    [...r.members, OUTSIDER.address], r.members.slice(1), [...r.members, r.members[0]], r.members.toReversed(), r.members.map(m => m.toUpperCase().replace('0X', '0x')),
    [...r.members, '0x12'], [], r.members.join()
  ]),
  registrations: (rng, r) => rng.pick([
    { ...r.registrations, YARA: [] }, { ...r.registrations, ClamAV: r.members }, { ...r.registrations, 'a/b': r.members }, { ...r.registrations, constructor: r.members },
    JSON.parse(`{"__proto__":${JSON.stringify(r.members)}}`), Object.fromEntries(Object.entries(r.registrations).toReversed()), [], { YARA: 'x' }
  ])
}

function reportMutant (rng: Rng): unknown {
  const seed = rng.pick(REPORTS)
  if (rng.chance(0.2)) {
    const key = rng.pick(Object.keys(CHAIN_VIEW))
    return { ...structuredClone(seed), [key]: (CHAIN_VIEW[key] as (rng: Rng, r: Report) => unknown)(rng, seed) }
  }
  if (rng.chance(0.25)) {
    // one top-level field, which is one leaf among hundreds for mutateFields
    const r = structuredClone(seed) as unknown as Record<string, unknown>
    const key = rng.pick(Object.keys(r))
    const value = r[key]
    r[key] = rng.chance(0.3) ? rng.pick(HOSTILE_VALUES) : typeof value === 'object' && value !== null ? mutateFields(rng, value, REPORT_SPLICE) : mutateLeaf(rng, value as Json)
    return r
  }
  if (rng.chance(0.5)) return mutateFields(rng, seed, REPORT_SPLICE)
  // as a light client reads it: JSON text (duplicate keys, __proto__ keys, 1e400), parsed; text that is not JSON never reaches checkReport
  for (let tries = 0; tries < 8; tries++) {
    try {
      return JSON.parse(mutateJsonText(rng, JSON.stringify(seed)))
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err
    }
  }
  return structuredClone(seed)
}

tap.test('checkReport: only ReportInvalidError, and a mutated report that checks against the chain is the honest one', async t => {
  for (const r of REPORTS) t.doesNotThrow(() => checkReport(r, chain), 'the seed reports check')
  const rng = new Rng(0xc4ec)
  const seen = tally()
  const outcomes = new Map<string, number>()
  for (let i = 0; i < REPORTS_PER_TARGET; i++) {
    const mutant = reportMutant(rng)
    seen.inputs++
    try {
      checkReport(mutant as Report, chain)
      if (!honest(mutant as Report)) note(seen, `#${i}: a changed report checks: ${JSON.stringify(mutant).slice(0, 400)}`)
      outcomes.set('accepted', (outcomes.get('accepted') ?? 0) + 1)
    } catch (err) {
      if (!reportError(err)) note(seen, `#${i}: ${describe(err)}`)
      else outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1)
    }
  }
  t.comment(`checkReport: ${[...outcomes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
  t.same(seen.failures, [], `${seen.inputs} mutated reports`)
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(), prototypeBefore, 'Object.prototype untouched')
})

/** Codes that say the report is self-consistent but describes another chain view than the chain's. */
const CHAIN_CODES = new Set<ReportCode>(['MEMBER_COUNT_MISMATCH', 'REGISTRATION_MISMATCH', 'FAULT_DIVISOR_MISMATCH'])

tap.test('deriveReport: only ReportInvalidError, and what it derives checks and, against the chain, is the honest report', async t => {
  const rng = new Rng(0xde121e)
  const seen = tally()
  const outcomes = new Map<string, number>()
  for (let i = 0; i < REPORTS_PER_TARGET; i++) {
    const mutant = reportMutant(rng)
    seen.inputs++
    let derived: Report
    try {
      derived = deriveReport(inputOf(typeof mutant === 'object' && mutant !== null ? mutant : {}))
    } catch (err) {
      if (!reportError(err)) note(seen, `#${i}: ${describe(err)}`)
      else outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1)
      continue
    }
    try {
      checkReport(derived, chain)
      if (!honest(derived)) note(seen, `#${i}: a changed input derives a report the chain accepts: ${JSON.stringify(derived).slice(0, 400)}`)
      outcomes.set('honest', (outcomes.get('honest') ?? 0) + 1)
    } catch (err) {
      if (!reportError(err) || !CHAIN_CODES.has(err.code)) note(seen, `#${i}: a derived report does not check: ${describe(err)}`)
      else outcomes.set(`derived, then ${err.code}`, (outcomes.get(`derived, then ${err.code}`) ?? 0) + 1)
    }
  }
  t.comment(`deriveReport: ${[...outcomes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
  t.same(seen.failures, [], `${seen.inputs} mutated inputs`)
})
