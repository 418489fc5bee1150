/**
 * The protocol's EIP-712 hashing and signer recovery: job ids, verdict hashes, commitments, the
 * reportDigest a quorum signs, and who signed what. Plain JS with the hash and curve functions passed
 * in, so nodes (through eip712.ts and signing.ts) and the web page (served as /protocol/src/eip712-hash.js)
 * run this one piece; protocol/test/eip712-hash.test.ts holds it to ethers' TypedDataEncoder.
 */

const enc = new TextEncoder()
// 2: the report rules of protocol v2; a version-1 signature recovers nobody here
export const DOMAIN = { name: 'VirusMap', version: '2' }

/** Every struct of the protocol as [type, field] pairs in signing order (EIP712Domain included). */
export const TYPES = {
  EIP712Domain: [['string', 'name'], ['string', 'version'], ['uint256', 'chainId'], ['address', 'verifyingContract']],
  ScanJob: [['string', 'kind'], ['string', 'subject'], ['string', 'context'], ['bytes32', 'sha256'], ['bytes20', 'sha1'], ['bytes16', 'md5'], ['uint64', 'size'], ['string', 'fileType'],
    ['string', 'cid'], ['uint64', 'membershipBlock'], ['address', 'origin'], ['uint64', 'createdAt'], ['uint64', 'commitDeadline'],
    ['uint64', 'revealDeadline'], ['bytes32', 'ephemeralPublicKey'], ['KeyWrap[]', 'keyWraps'], ['address', 'submitter'], ['uint64', 'submittedAt'], ['bytes', 'submitterSignature']],
  KeyWrap: [['address', 'member'], ['bytes', 'wrappedKey']],
  Submission: [['string', 'kind'], ['bytes32', 'sha256'], ['string', 'context'], ['uint64', 'submittedAt']],
  VerdictCommitment: [['bytes32', 'jobId'], ['address', 'member'], ['bytes32', 'commitment']],
  Verdict: [['bytes32', 'jobId'], ['address', 'member'], ['bytes32', 'sha256'], ['uint64', 'membershipBlock'], ['uint64', 'scannedAt'], ['EngineResult[]', 'results']],
  EngineResult: [['string', 'engine'], ['string', 'engineVersion'], ['string', 'engineUpdate'], ['string', 'category'], ['string', 'result'], ['string', 'method']],
  ReportAttestation: [['bytes32', 'jobId'], ['address[]', 'committed'], ['bytes32[]', 'commitments'], ['address[]', 'revealed'], ['bytes32[]', 'verdicts']],
  Complaint: [['bytes32', 'jobId'], ['address', 'member'], ['string', 'reason']],
  EpochRoot: [['uint64', 'epoch'], ['bytes32', 'root'], ['uint32', 'leafCount']],
  AnchorProposal: [['uint64', 'epoch'], ['bytes32', 'root'], ['uint32', 'leafCount'], ['bytes32[]', 'jobIds']],
  // SPEC section 17: total is the sum of the rewards tree's cumulative amounts
  RewardsRoot: [['uint64', 'epoch'], ['bytes32', 'root'], ['uint256', 'total']],
  // SPEC section 17: the receiving node's receipt for a signed submission
  Receipt: [['bytes32', 'sha256'], ['address', 'submitter'], ['uint64', 'submittedAt'], ['uint64', 'receivedAt'], ['bytes32', 'jobId']],
  // SPEC section 18: a member's delivery of its order wrap, as DataMarket.sol verifies it
  Delivered: [['address', 'market'], ['uint256', 'orderId'], ['bytes32', 'wrapHash']],
  // SPEC section 19: a member's notification that a vendor's ruleset matched a sample, and a vendor's access to its hunts
  HuntMatch: [['bytes32', 'rulesetId'], ['address', 'member'], ['bytes32', 'jobId'], ['bytes32', 'sha256'], ['uint64', 'membershipBlock'], ['string[]', 'rules'], ['uint64', 'matchedAt']],
  HuntAccess: [['address', 'vendor'], ['address', 'node'], ['uint64', 'issuedAt']]
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Hex digit values by char code; -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i
for (let i = 0; i < 6; i++) { NIBBLE[97 + i] = 10 + i; NIBBLE[65 + i] = 10 + i }

export function hexToBytes (hex) {
  const h = String(hex)
  const at = h.length >= 2 && h[0] === '0' && (h[1] === 'x' || h[1] === 'X') ? 2 : 0
  if ((h.length - at) % 2 !== 0) throw new Error('bad hex')
  const out = new Uint8Array((h.length - at) / 2)
  for (let i = 0, j = at; i < out.length; i++, j += 2) {
    const c1 = h.charCodeAt(j)
    const c2 = h.charCodeAt(j + 1)
    const hi = c1 < 128 ? NIBBLE[c1] : -1
    const lo = c2 < 128 ? NIBBLE[c2] : -1
    if (hi < 0 || lo < 0) throw new Error('bad hex')
    out[i] = hi * 16 + lo
  }
  return out
}

export function bytesToHex (bytes) {
  let s = '0x'
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]]
  return s
}

export function concat (parts) {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

export function word (bigint) {
  if (bigint < 0n || bigint >= 1n << 256n) throw new Error('integer out of range')
  return hexToBytes(bigint.toString(16).padStart(64, '0'))
}

/** The structs `name` refers to, directly or not, sorted (EIP-712's encodeType order after the primary). */
export function typeDependencies (name) {
  const deps = []
  const walk = (n) => {
    for (const [type] of TYPES[n]) {
      const base = type.replace(/\[\]$/, '')
      if (TYPES[base] !== undefined && base !== name && !deps.includes(base)) { deps.push(base); walk(base) }
    }
  }
  walk(name)
  return deps.toSorted()
}

const typeDef = (n) => `${n}(${TYPES[n].map(([t, f]) => `${t} ${f}`).join(',')})`

function typeString (name) {
  return typeDef(name) + typeDependencies(name).map(typeDef).join('')
}

/** Public keys of signers seen before, by address, with their multiplication tables: at most this many. */
const KNOWN_KEYS = 256
/** Strings up to this long have their keccak kept, at most this many of them (a verdict's engine fields). */
const SHORT_STRING = 128
const SHORT_STRINGS = 4096
/** Recovered signers kept by (digest, signature): a job's dozen signatures for thousands of jobs in flight (about 300 bytes each). */
const RECOVERED_SIGNERS = 16384

/**
 * @param {{ keccak_256: (b: Uint8Array) => Uint8Array, sha256: (b: Uint8Array) => Uint8Array, secp256k1: any, recoverPublicKey?: (hash: Uint8Array, rs: Uint8Array, v: number) => Uint8Array | null }} crypto
 */
function deeplyFrozen (value) {
  if (value === null || typeof value !== 'object') return true
  if (!Object.isFrozen(value)) return false
  for (const v of Object.values(value)) if (!deeplyFrozen(v)) return false
  return true
}

export function createVerifier ({ keccak_256: keccak, sha256, secp256k1, recoverPublicKey }) {
  const typeHashes = Object.fromEntries(Object.keys(TYPES).map((n) => [n, keccak(enc.encode(typeString(n)))]))
  const ZERO12 = new Uint8Array(12)
  // a verdict's engine names, versions, categories and methods repeat from job to job: each is hashed once
  const stringHashes = new Map()

  /** One encoder per field type, built once: hashing is on every gossip message's path. */
  function encoderFor (type) {
    if (type.endsWith('[]')) {
      const item = encoderFor(type.slice(0, -2))
      return (value) => {
        if (!Array.isArray(value)) throw new Error(`${type} must be an array`)
        return keccak(concat(value.map(item)))
      }
    }
    if (TYPES[type] !== undefined) return (value) => hashStruct(type, value)
    if (type === 'string') {
      return (value) => {
        if (typeof value !== 'string') throw new Error('string expected')
        if (value.length > SHORT_STRING) return keccak(enc.encode(value))
        let hash = stringHashes.get(value)
        if (hash === undefined) {
          hash = keccak(enc.encode(value))
          if (stringHashes.size >= SHORT_STRINGS) stringHashes.clear()
          stringHashes.set(value, hash)
        }
        return hash
      }
    }
    if (type === 'bytes') return (value) => keccak(hexToBytes(value))
    if (type === 'address') {
      return (value) => {
        const b = hexToBytes(value)
        if (b.length !== 20) throw new Error('address must be 20 bytes')
        return concat([ZERO12, b])
      }
    }
    const fixed = /^bytes([0-9]+)$/.exec(type)
    if (fixed !== null) {
      const length = Number(fixed[1])
      return (value) => {
        const b = hexToBytes(value)
        if (b.length !== length) throw new Error(`${type} has the wrong length`)
        return concat([b, new Uint8Array(32 - length)])
      }
    }
    const uint = /^uint([0-9]+)$/.exec(type)
    if (uint !== null) {
      const limit = 1n << BigInt(uint[1])
      return (value) => {
        if (!Number.isSafeInteger(value) && typeof value !== 'bigint') throw new Error('integer expected')
        const n = BigInt(value)
        if (n < 0n || n >= limit) throw new Error(`${type} out of range`)
        return word(n)
      }
    }
    throw new Error(`unsupported type ${type}`)
  }
  const fields = Object.fromEntries(Object.entries(TYPES).map(([n, defs]) => [n, defs.map(([t, f]) => [f, encoderFor(t)])]))

  // A deeply frozen value (a decoded gossip message, a message this node signed) cannot change, so
  // its struct hash is computed once: a verdict is hashed to validate it, to open its commitment,
  // for its digest and for every attestation and report that names it.
  const structHashes = new WeakMap()

  // A struct of strings only (a verdict's EngineResult) is a pure function of its strings, and the same
  // engine's undetected result repeats in every verdict: kept by its values, like the strings themselves.
  const stringsOnly = new Set(Object.entries(TYPES).filter(([, defs]) => defs.every(([t]) => t === 'string')).map(([n]) => n))
  const byValues = new Map()

  function hashStruct (name, value) {
    if (value === null || typeof value !== 'object') throw new Error(`${name} must be an object`)
    const known = structHashes.get(value)
    if (known?.name === name) return known.hash
    if (stringsOnly.has(name)) return hashStrings(name, value)
    return hashFields(name, value)
  }

  function hashStrings (name, value) {
    const values = fields[name].map(([field]) => value[field])
    if (!values.every((v) => typeof v === 'string') || values.reduce((n, v) => n + v.length, 0) > SHORT_STRING * 4) return hashFields(name, value)
    const key = JSON.stringify([name, ...values])
    let hash = byValues.get(key)
    if (hash === undefined) {
      hash = hashFields(name, value)
      if (byValues.size >= SHORT_STRINGS) byValues.clear()
      byValues.set(key, hash)
    }
    return hash
  }

  function hashFields (name, value) {
    const parts = [typeHashes[name]]
    for (const [field, encode] of fields[name]) parts.push(encode(value[field]))
    const hash = keccak(concat(parts))
    if (deeplyFrozen(value)) structHashes.set(value, { name, hash })
    return hash
  }

  // a node sees one or two domains; the separator is the same for every message under one
  const domains = new Map()
  function domainSeparator (chainId, registry) {
    const key = `${chainId}/${registry}`
    let separator = domains.get(key)
    if (separator === undefined) {
      separator = hashStruct('EIP712Domain', { ...DOMAIN, chainId, verifyingContract: registry })
      if (domains.size >= 16) domains.clear()
      domains.set(key, separator)
    }
    return separator
  }

  function digest (name, value, chainId, registry) {
    return keccak(concat([new Uint8Array([0x19, 0x01]), domainSeparator(chainId, registry), hashStruct(name, value)]))
  }

  const { Point } = secp256k1
  const { Fn } = Point
  const HALF_N = Fn.ORDER >> 1n
  const known = new Map()
  /**
   * Answers already computed, newest last: a node checks the same signature when gossip brings the
   * message and again when it derives or checks the report that carries it (as a fresh object from its
   * database, which the frozen-message memo of signing.ts cannot know).
   */
  const signers = new Map()
  const addressOf = (point) => bytesToHex(keccak(point.toBytes(false).subarray(1)).subarray(12))
  const toBigInt = (bytes) => BigInt(bytesToHex(bytes))

  /**
   * Whether (r, s, v) over z was made by the key at `point`: the R that recovery would start from
   * (x = r, y parity = v) is u1·G + u2·Q, so this answers exactly as recovery does, with Q's tables
   * kept between calls (about 4× faster than recovering).
   */
  function signedBy (point, z, r, s, v) {
    const si = Fn.inv(s)
    const R = Point.BASE.multiplyUnsafe(Fn.create(z * si)).add(point.multiplyUnsafe(Fn.mul(r, si)))
    if (R.is0()) return false
    const { x, y } = R.toAffine()
    return x === r && Number(y & 1n) === v
  }

  /**
   * The lowercase address that signed `hash`, or undefined for a malformed or non-canonical (high s)
   * signature. A member's signature has one spelling, v 27 or 28 (protocol signing.ts); a submitter's
   * wallet may also sign with v 0 or 1 (`wallet`), as ethers reads it. `expected` names the signer the
   * message claims: when its key is known the answer costs a verification, not a recovery.
   */
  function recover (hash, signature, wallet = false, expected = undefined) {
    // the signer is a function of (hash, signature, spelling rule) alone; `expected` only picks the cheaper path
    const key = typeof signature === 'string' && signature.length === 132 && hash.length === 32 ? `${wallet ? 'w' : 'm'}${bytesToHex(hash)}${signature}` : undefined
    if (key !== undefined && signers.has(key)) {
      const signer = signers.get(key)
      signers.delete(key)
      signers.set(key, signer)
      return signer
    }
    const signer = recoverUncached(hash, signature, wallet, expected)
    if (key !== undefined) {
      if (signers.size >= RECOVERED_SIGNERS) signers.delete(signers.keys().next().value)
      signers.set(key, signer)
    }
    return signer
  }

  function recoverUncached (hash, signature, wallet, expected) {
    try {
      const sig = hexToBytes(signature)
      if (sig.length !== 65 || hash.length !== 32) return undefined
      if (!wallet && sig[64] !== 27 && sig[64] !== 28) return undefined
      const v = sig[64] >= 27 ? sig[64] - 27 : sig[64]
      if (v !== 0 && v !== 1) return undefined
      const r = toBigInt(sig.subarray(0, 32))
      const s = toBigInt(sig.subarray(32, 64))
      if (r === 0n || r >= Fn.ORDER || s === 0n || s > HALF_N) return undefined
      // a native recovery (a node passes libsecp256k1's) is faster than noble's verification with kept tables
      if (recoverPublicKey !== undefined) {
        const q = recoverPublicKey(hash, sig.subarray(0, 64), v)
        return q instanceof Uint8Array && q.length === 65 ? bytesToHex(keccak(q.subarray(1)).subarray(12)) : undefined
      }
      const claimed = expected === undefined ? undefined : String(expected).toLowerCase()
      const point = claimed === undefined ? undefined : known.get(claimed)
      if (point !== undefined && signedBy(point, Fn.create(toBigInt(hash)), r, s, v)) {
        known.delete(claimed)
        known.set(claimed, point)
        return claimed
      }
      const recovered = secp256k1.Signature.fromBytes(sig.subarray(0, 64), 'compact').addRecoveryBit(v).recoverPublicKey(hash)
      const address = addressOf(recovered)
      if (address === claimed && !known.has(address)) {
        if (known.size >= KNOWN_KEYS) known.delete(known.keys().next().value)
        known.set(address, recovered.precompute(6))
      }
      return address
    } catch {
      return undefined
    }
  }

  const hex = bytesToHex
  return {
    keccak,
    /** sha256 of an indicator subject's UTF-8: what its job names as sha256 */
    subjectSha256: (subject) => hex(sha256(enc.encode(subject))),
    /** EIP-712 struct hash of `value` as type `name` */
    structHash: (name, value) => hex(hashStruct(name, value)),
    /** EIP-712 digest of `value` as type `name` under the protocol's domain for this chain and registry */
    digest: (name, value, chainId, registry) => hex(digest(name, value, chainId, registry)),
    jobId: (job, chainId, registry) => hex(digest('ScanJob', job, chainId, registry)),
    verdictHash: (verdict) => hex(hashStruct('Verdict', verdict)),
    /** keccak256(verdictHash || salt) */
    commitment: (verdict, salt) => hex(keccak(concat([hashStruct('Verdict', verdict), hexToBytes(salt)]))),
    reportDigest: (attestation, chainId, registry) => hex(digest('ReportAttestation', attestation, chainId, registry)),
    /** `wallet`: a submitter's signature, which may carry v 0/1 */
    recoverDigest: (digestHex, signature, expected, wallet = false) => recover(hexToBytes(digestHex), signature, wallet, expected),
    recoverJobSigner: (signed, chainId, registry) => recover(digest('ScanJob', signed.job, chainId, registry), signed.signature, false, signed.job?.origin),
    recoverCommitmentSigner: (signed, chainId, registry) => recover(digest('VerdictCommitment', signed.commitment, chainId, registry), signed.signature, false, signed.commitment?.member),
    recoverVerdictSigner: (signed, chainId, registry) => recover(digest('Verdict', signed.verdict, chainId, registry), signed.signature, false, signed.verdict?.member),
    /** who signed the job's Submission (kind, sha256, context, submittedAt), or undefined */
    recoverSubmitter: (job, chainId, registry) => recover(digest('Submission', { kind: job.kind, sha256: job.sha256, context: job.context, submittedAt: job.submittedAt }, chainId, registry), job.submitterSignature, true, job.submitter)
  }
}
