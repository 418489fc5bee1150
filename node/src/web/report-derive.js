/**
 * The final report a job's signed messages make under the chain's view of the job's block, for the
 * browser: the steps of protocol/src/report.ts deriveReport and report-engines.ts, each named, so
 * the page can say what it checked. Signatures are checked in the pinned deployment's EIP-712
 * domain, never the one the node names. node/test/web/verify.test.ts holds this to the protocol.
 */

/** Severity order of result categories (protocol ENGINE_CATEGORIES): ties go to the more severe. */
export const CATEGORIES = ['malicious', 'suspicious', 'undetected', 'harmless', 'timeout', 'failure', 'type-unsupported']

/** n - floor((n - 1) / d): the members a quorum needs among n, d the network's fault divisor (protocol/src/quorum.ts). */
export function quorumThreshold (n, faultDivisor = 3) {
  return n - Math.floor((n - 1) / faultDivisor)
}

function mostCommon (values, order) {
  const counts = new Map()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts.entries()].toSorted((a, b) => (b[1] - a[1]) || order(a[0], b[0]))[0][0]
}
const byString = (a, b) => a < b ? -1 : a > b ? 1 : 0
const greatest = (values) => values.reduce((max, v) => (v > max ? v : max))
const lower = (a) => String(a).toLowerCase()

/** Per engine, over the members registered for it: what protocol aggregateEngines gives. */
export function aggregateEngines (verdicts, registrations, faultDivisor) {
  const perEngine = new Map()
  for (const { verdict } of verdicts) {
    for (const result of verdict.results) perEngine.set(result.engine, [...(perEngine.get(result.engine) ?? []), { member: verdict.member, result }])
  }
  const stats = Object.fromEntries(CATEGORIES.map((c) => [c, 0]))
  const entries = []
  for (const engine of [...perEngine.keys()].toSorted()) {
    const votes = perEngine.get(engine)
    const registered = Object.hasOwn(registrations, engine) ? registrations[engine].length : 0
    const category = mostCommon(votes.map((v) => v.result.category), (a, b) => CATEGORIES.indexOf(a) - CATEGORIES.indexOf(b))
    const agreeing = votes.filter((v) => v.result.category === category)
    const attested = votes.length >= quorumThreshold(Math.max(1, registered), faultDivisor)
    entries.push([engine, {
      engine,
      engineVersion: greatest(agreeing.map((v) => v.result.engineVersion)),
      engineUpdate: greatest(agreeing.map((v) => v.result.engineUpdate)),
      category,
      result: mostCommon(agreeing.map((v) => v.result.result), byString),
      method: greatest(agreeing.map((v) => v.result.method)),
      members: agreeing.map((v) => v.member),
      answered: votes.length,
      registered,
      attested
    }])
    if (attested) stats[category]++
  }
  return { results: Object.fromEntries(entries), stats }
}

/** Keeps one item per member, sorted by member; a second item from a member fails the step. */
function onePerMember (items, memberOf) {
  const byMember = new Map()
  for (const item of items) {
    const m = lower(memberOf(item))
    if (byMember.has(m)) return undefined
    byMember.set(m, item)
  }
  return [...byMember.keys()].toSorted().map((m) => byMember.get(m))
}

/**
 * Derives the report from the served `virusmap` attribute's signed messages and the chain's
 * `state` ({ members, registrations, faultDivisor }) at the job's block, in `deployment`'s domain
 * ({ chainId, registry }). Appends a { name, ok, detail } to `checks` per step and stops at the
 * first that fails. Returns the report's facts, or undefined.
 */
export function deriveReport (verifier, vm, state, deployment, checks) {
  const { chainId, registry } = deployment
  const step = (name, ok, detail) => { checks.push({ name, ok: Boolean(ok), detail }); return Boolean(ok) }
  const members = [...new Set(state.members.map(lower))].toSorted()
  const memberSet = new Set(members)
  const n = members.length
  const quorum = n > 0 ? quorumThreshold(n, state.faultDivisor) : Infinity
  const enginesOf = new Map(members.map((m) => [m, new Set()]))
  for (const [engine, holders] of Object.entries(state.registrations)) for (const m of holders) enginesOf.get(lower(m))?.add(engine)
  const signed = vm.job
  const job = signed.job
  const jobId = verifier.jobId(job, chainId, registry)
  const origin = verifier.recoverJobSigner(signed, chainId, registry)
  if (!step('job signature', origin !== undefined && origin === lower(job.origin) && memberSet.has(origin), `the job is signed by its origin ${job.origin}, a member at block ${job.membershipBlock}`)) return undefined

  const commitments = onePerMember(vm.commitments, (c) => c.commitment.member)
  const badCommitment = (commitments ?? []).find((c) => lower(c.commitment.jobId) !== jobId || !memberSet.has(lower(c.commitment.member)) ||
    verifier.recoverCommitmentSigner(c, chainId, registry) !== lower(c.commitment.member))
  if (!step('commitments', commitments !== undefined && badCommitment === undefined, `${vm.commitments.length} commitments, each signed by a member for this job, one per member`)) return undefined
  const committedBy = new Map(commitments.map((c) => [lower(c.commitment.member), lower(c.commitment.commitment)]))

  const verdicts = onePerMember(vm.verdicts, (v) => v.verdict.member)
  const badVerdict = (verdicts ?? []).find(({ verdict: v, salt, signature }) => {
    const member = lower(v.member)
    return lower(v.jobId) !== jobId || lower(v.sha256) !== lower(job.sha256) || v.membershipBlock !== job.membershipBlock || !memberSet.has(member) ||
      verifier.recoverVerdictSigner({ verdict: v, signature }, chainId, registry) !== member || committedBy.get(member) !== verifier.commitment(v, salt) ||
      !(v.scannedAt >= job.createdAt && v.scannedAt <= job.commitDeadline) || v.results.some((r) => !enginesOf.get(member).has(r.engine))
  })
  if (!step('verdicts', verdicts !== undefined && badVerdict === undefined,
    `${vm.verdicts.length} verdicts, each signed by its member, opening its commitment, scanned inside the commit window, only for engines the chain registers to that member`)) return undefined
  if (!step('reveals', verdicts.length >= quorum, `${verdicts.length} of ${n} members revealed, the quorum is ${quorum}`)) return undefined

  const revealed = verdicts.map((v) => lower(v.verdict.member))
  const content = {
    jobId,
    committed: [...committedBy.keys()],
    commitments: [...committedBy.values()],
    revealed,
    verdicts: verdicts.map((v) => verifier.verdictHash(v.verdict))
  }
  const digest = verifier.reportDigest(content, chainId, registry)
  const attesters = onePerMember(vm.attestations, (a) => a.member)
  const valid = (attesters ?? []).filter((a) => memberSet.has(lower(a.member)) && verifier.recoverDigest(digest, a.signature, a.member) === lower(a.member))
  if (!step('attestations', attesters !== undefined && valid.length === vm.attestations.length && valid.length >= quorum,
    `${valid.length} members signed this exact content (every commitment and verdict above), the quorum is ${quorum}`)) return undefined

  const { results, stats } = aggregateEngines(verdicts, state.registrations, state.faultDivisor)
  return {
    jobId,
    /** the reportDigest its members signed, and who revealed and who detected: what an anchor's leaf holds (anchor-proof.js) */
    digest,
    revealed,
    detected: verdicts.filter((v) => v.verdict.results.some((r) => r.category === 'malicious')).map((v) => lower(v.verdict.member)),
    members,
    quorum,
    attesters: valid.map((a) => lower(a.member)),
    absent: members.filter((m) => !revealed.includes(m)),
    withheld: [...committedBy.keys()].filter((m) => !revealed.includes(m)),
    results,
    stats,
    date: Math.max(...verdicts.map((v) => v.verdict.scannedAt))
  }
}
