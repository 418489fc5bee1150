/**
 * Report checks that run in the browser (and in Node's tests): EIP-712 hashing of the protocol's
 * ScanJob and Verdict, signer recovery, and the deterministic tally a report must equal. The hash
 * and curve functions are passed in, so this module loads the same way in both places.
 * Mirrors protocol/src/eip712.ts and protocol/src/report.ts; node/test/web/verify.test.ts holds
 * the two to the same answers.
 */

const enc = new TextEncoder()

const TYPES = {
  EIP712Domain: [['string', 'name'], ['string', 'version'], ['uint256', 'chainId'], ['address', 'verifyingContract']],
  ScanJob: [['string', 'kind'], ['string', 'subject'], ['string', 'context'], ['bytes32', 'sha256'], ['bytes20', 'sha1'], ['bytes16', 'md5'], ['uint64', 'size'], ['string', 'fileType'],
    ['string', 'cid'], ['uint64', 'membershipBlock'], ['address', 'origin'], ['uint64', 'createdAt'], ['uint64', 'commitDeadline'],
    ['uint64', 'revealDeadline'], ['bytes32', 'ephemeralPublicKey'], ['KeyWrap[]', 'keyWraps'], ['address', 'submitter'], ['uint64', 'submittedAt'], ['bytes', 'submitterSignature']],
  KeyWrap: [['address', 'member'], ['bytes', 'wrappedKey']],
  Submission: [['string', 'kind'], ['bytes32', 'sha256'], ['string', 'context'], ['uint64', 'submittedAt']],
  Verdict: [['bytes32', 'jobId'], ['address', 'member'], ['bytes32', 'sha256'], ['uint64', 'membershipBlock'], ['uint64', 'scannedAt'], ['EngineResult[]', 'results']],
  EngineResult: [['string', 'engine'], ['string', 'engineVersion'], ['string', 'engineUpdate'], ['string', 'category'], ['string', 'result'], ['string', 'method']]
}

/** Severity order of result categories (protocol ENGINE_CATEGORIES): ties go to the more severe. */
export const CATEGORIES = ['malicious', 'suspicious', 'undetected', 'harmless', 'timeout', 'failure', 'type-unsupported']

export function hexToBytes (hex) {
  const h = String(hex).replace(/^0x/i, '')
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new Error('bad hex')
  const out = new Uint8Array(h.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function bytesToHex (bytes) {
  let s = '0x'
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

function concat (parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

function word (bigint) {
  if (bigint < 0n || bigint >= 1n << 256n) throw new Error('integer out of range')
  return hexToBytes(bigint.toString(16).padStart(64, '0'))
}

const typeDef = (n) => `${n}(${TYPES[n].map(([t, f]) => `${t} ${f}`).join(',')})`

function typeString (name) {
  const deps = []
  const walk = (n) => {
    for (const [type] of TYPES[n]) {
      const base = type.replace(/\[\]$/, '')
      if (TYPES[base] !== undefined && base !== name && !deps.includes(base)) { deps.push(base); walk(base) }
    }
  }
  walk(name)
  return typeDef(name) + deps.toSorted().map(typeDef).join('')
}

/**
 * @param {{ keccak_256: (b: Uint8Array) => Uint8Array, secp256k1: any }} crypto
 */
export function createVerifier ({ keccak_256: keccak, secp256k1 }) {
  const typeHashes = Object.fromEntries(Object.keys(TYPES).map((n) => [n, keccak(enc.encode(typeString(n)))]))

  function encodeValue (type, value) {
    if (type.endsWith('[]')) {
      const base = type.slice(0, -2)
      if (!Array.isArray(value)) throw new Error(`${type} must be an array`)
      return keccak(concat(value.map((v) => encodeValue(base, v))))
    }
    if (TYPES[type] !== undefined) return hashStruct(type, value)
    if (type === 'string') {
      if (typeof value !== 'string') throw new Error('string expected')
      return keccak(enc.encode(value))
    }
    if (type === 'bytes') return keccak(hexToBytes(value))
    if (type === 'address') {
      const b = hexToBytes(value)
      if (b.length !== 20) throw new Error('address must be 20 bytes')
      return concat([new Uint8Array(12), b])
    }
    const fixed = /^bytes([0-9]+)$/.exec(type)
    if (fixed !== null) {
      const b = hexToBytes(value)
      if (b.length !== Number(fixed[1])) throw new Error(`${type} has the wrong length`)
      return concat([b, new Uint8Array(32 - b.length)])
    }
    if (/^uint[0-9]+$/.test(type)) {
      if (!Number.isSafeInteger(value) && typeof value !== 'bigint') throw new Error('integer expected')
      return word(BigInt(value))
    }
    throw new Error(`unsupported type ${type}`)
  }

  function hashStruct (name, value) {
    if (value === null || typeof value !== 'object') throw new Error(`${name} must be an object`)
    return keccak(concat([typeHashes[name], ...TYPES[name].map(([t, f]) => encodeValue(t, value[f]))]))
  }

  function digest (name, value, chainId, registry) {
    const domain = hashStruct('EIP712Domain', { name: 'VirusMap', version: '1', chainId, verifyingContract: registry })
    return keccak(concat([new Uint8Array([0x19, 0x01]), domain, hashStruct(name, value)]))
  }

  /** The lowercase address that signed `hash`, or undefined for a malformed signature. */
  function recover (hash, signature) {
    try {
      const sig = hexToBytes(signature)
      if (sig.length !== 65) return undefined
      const v = sig[64] >= 27 ? sig[64] - 27 : sig[64]
      if (v !== 0 && v !== 1) return undefined
      const point = secp256k1.Signature.fromBytes(sig.slice(0, 64), 'compact').addRecoveryBit(v).recoverPublicKey(hash)
      return bytesToHex(keccak(point.toBytes(false).slice(1)).slice(12))
    } catch {
      return undefined
    }
  }

  return {
    jobId: (job, chainId, registry) => bytesToHex(digest('ScanJob', job, chainId, registry)),
    verdictHash: (verdict) => bytesToHex(hashStruct('Verdict', verdict)),
    recoverJobSigner: (signed, chainId, registry) => recover(digest('ScanJob', signed.job, chainId, registry), signed.signature),
    recoverVerdictSigner: (signed, chainId, registry) => recover(digest('Verdict', signed.verdict, chainId, registry), signed.signature),
    /** who signed the job's Submission (kind, sha256, context, submittedAt), or undefined */
    recoverSubmitter: (job, chainId, registry) => recover(digest('Submission', { kind: job.kind, sha256: job.sha256, context: job.context, submittedAt: job.submittedAt }, chainId, registry), job.submitterSignature)
  }
}

/** n - floor((n - 1) / d): the reveals a report needs among n members, d the network's fault divisor (protocol/src/quorum.ts). */
export function quorumThreshold (n, faultDivisor = 3) {
  return n - Math.floor((n - 1) / faultDivisor)
}

function mostCommon (values, order) {
  const counts = new Map()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts.entries()].toSorted((a, b) => (b[1] - a[1]) || order(a[0], b[0]))[0][0]
}
const byString = (a, b) => a < b ? -1 : a > b ? 1 : 0
const greatest = (values) => values.toSorted(byString).at(-1) ?? ''

/** The per-engine results and stats a report's verdicts make (protocol/src/report.ts aggregate). */
export function tally (verdicts) {
  const perEngine = new Map()
  for (const { verdict } of verdicts) {
    for (const result of verdict.results) {
      const list = perEngine.get(result.engine) ?? []
      list.push({ member: verdict.member, result })
      perEngine.set(result.engine, list)
    }
  }
  const stats = Object.fromEntries(CATEGORIES.map((c) => [c, 0]))
  const results = {}
  for (const engine of [...perEngine.keys()].toSorted()) {
    const votes = perEngine.get(engine)
    const category = mostCommon(votes.map((v) => v.result.category), (a, b) => CATEGORIES.indexOf(a) - CATEGORIES.indexOf(b))
    const agreeing = votes.filter((v) => v.result.category === category)
    results[engine] = {
      category,
      result: mostCommon(agreeing.map((v) => v.result.result), byString),
      engineVersion: greatest(agreeing.map((v) => v.result.engineVersion)),
      members: agreeing.map((v) => v.member)
    }
    stats[category]++
  }
  return { results, stats }
}

/**
 * Checks what the browser can check of a VirusTotal file object's `virusmap` attribute without a
 * chain: the job id, the job and verdict signatures, one verdict per member, and that the shown
 * results and stats are the tally of the signed verdicts. `members` are the members at the job's
 * block as the serving node reports them (NOT checked against the chain here).
 * Returns { ok, checks: [{ name, ok, detail }], signers, quorum, memberCount }.
 */
export function checkFileReport (verifier, attributes, members, expectedSha256) {
  const vm = attributes.virusmap
  const checks = []
  const add = (name, ok, detail) => { checks.push({ name, ok: Boolean(ok), detail }) }
  const chainId = vm.chain_id
  const registry = String(vm.registry).toLowerCase()
  const job = vm.job.job
  let jobId
  try {
    jobId = verifier.jobId(job, chainId, registry)
  } catch (err) {
    add('job id', false, `the signed job cannot be hashed: ${err.message}`)
    return { ok: false, checks, signers: [], quorum: 0, memberCount: members.length }
  }
  add('job id', jobId === String(vm.job_id).toLowerCase(), `EIP-712 digest of the signed job = ${jobId.slice(0, 18)}…`)
  add('sample', job.sha256.toLowerCase() === `0x${expectedSha256.toLowerCase()}`, `the job names sha256 ${job.sha256.slice(2, 18)}…`)
  const origin = verifier.recoverJobSigner(vm.job, chainId, registry)
  add('job signature', origin !== undefined && origin === job.origin.toLowerCase(), `signed by its origin ${job.origin}`)

  const memberSet = new Set(members.map((m) => m.toLowerCase()))
  const signers = []
  const kept = new Map()
  let badVerdicts = 0
  for (const v of vm.verdicts) {
    let signer
    try {
      signer = verifier.recoverVerdictSigner(v, chainId, registry)
    } catch {
      signer = undefined
    }
    const member = String(v.verdict.member).toLowerCase()
    if (signer === undefined || signer !== member || v.verdict.jobId.toLowerCase() !== jobId ||
      v.verdict.sha256.toLowerCase() !== job.sha256.toLowerCase() || v.verdict.membershipBlock !== job.membershipBlock) {
      badVerdicts++
      continue
    }
    const hash = verifier.verdictHash(v.verdict)
    const prev = kept.get(member)
    if (prev === undefined || hash < prev.hash || (hash === prev.hash && v.signature < prev.v.signature)) kept.set(member, { v, hash })
  }
  const verdicts = [...kept.keys()].toSorted().map((m) => kept.get(m).v)
  for (const m of kept.keys()) if (memberSet.has(m)) signers.push(m)
  add('verdict signatures', badVerdicts === 0 && vm.verdicts.length > 0, `${vm.verdicts.length - badVerdicts} of ${vm.verdicts.length} verdicts signed by the member they name, for this job`)
  const n = members.length
  // the divisor the report was derived with; like the members, the node's word here (the CLI checks it on chain)
  const divisor = Number.isSafeInteger(vm.fault_divisor) && vm.fault_divisor >= 2 ? vm.fault_divisor : 3
  const quorum = n > 0 ? quorumThreshold(n, divisor) : 0
  add('quorum', n > 0 && signers.length >= quorum, `${signers.length} member signatures, ${quorum} of ${n} needed (fault divisor ${divisor})`)
  add('origin membership', memberSet.has(job.origin.toLowerCase()), 'the job\'s origin is among the members')

  const derived = tally(verdicts)
  const shown = attributes.last_analysis_results ?? {}
  const stats = attributes.last_analysis_stats ?? {}
  const sameResults = Object.keys(shown).length === Object.keys(derived.results).length &&
    Object.entries(derived.results).every(([engine, r]) => shown[engine] !== undefined &&
      shown[engine].category === r.category && (shown[engine].result ?? '') === r.result)
  const sameStats = CATEGORIES.every((c) => (stats[c] ?? 0) === derived.stats[c])
  add('tally', sameResults && sameStats, 'the results and stats shown are the tally of the signed verdicts')
  return { ok: checks.every((c) => c.ok), checks, signers: signers.toSorted(), quorum, memberCount: n }
}

/**
 * An indicator's report: everything checkFileReport checks, with the sha256 of the subject's
 * UTF-8 (`subjectSha256`, bare hex, computed by the caller) as the sample; plus the signed job is
 * about this kind and subject, and its Submission is signed by the submitter it names.
 */
export function checkIndicatorReport (verifier, attributes, members, kind, subject, subjectSha256) {
  const result = checkFileReport(verifier, attributes, members, subjectSha256)
  const vm = attributes.virusmap
  const job = vm.job.job
  const add = (name, ok, detail) => { result.checks.push({ name, ok: Boolean(ok), detail }) }
  add('subject', job.kind === kind && job.subject === subject, `the signed job is about this ${kind}`)
  let submitter
  try {
    submitter = verifier.recoverSubmitter(job, vm.chain_id, String(vm.registry).toLowerCase())
  } catch {
    submitter = undefined
  }
  add('submitter signature', submitter !== undefined && submitter === String(job.submitter).toLowerCase(), `submitted and signed by ${job.submitter}`)
  result.ok = result.checks.every((c) => c.ok)
  return result
}
