/**
 * The protocol's EIP-712 hashing and signer recovery, for the browser (and Node's tests): job ids,
 * verdict hashes, commitments, the reportDigest a quorum signs, and who signed what. Hash and curve
 * functions are passed in, so this module loads the same way in both places. Mirrors
 * protocol/src/eip712.ts and signing.ts (domain version "2"); node/test/web/verify.test.ts holds
 * the two to the same answers.
 */

const enc = new TextEncoder()
// 2: the report rules of protocol v2; a version-1 signature recovers nobody here
const DOMAIN = { name: 'VirusMap', version: '2' }

const TYPES = {
  EIP712Domain: [['string', 'name'], ['string', 'version'], ['uint256', 'chainId'], ['address', 'verifyingContract']],
  ScanJob: [['string', 'kind'], ['string', 'subject'], ['string', 'context'], ['bytes32', 'sha256'], ['bytes20', 'sha1'], ['bytes16', 'md5'], ['uint64', 'size'], ['string', 'fileType'],
    ['string', 'cid'], ['uint64', 'membershipBlock'], ['address', 'origin'], ['uint64', 'createdAt'], ['uint64', 'commitDeadline'],
    ['uint64', 'revealDeadline'], ['bytes32', 'ephemeralPublicKey'], ['KeyWrap[]', 'keyWraps'], ['address', 'submitter'], ['uint64', 'submittedAt'], ['bytes', 'submitterSignature']],
  KeyWrap: [['address', 'member'], ['bytes', 'wrappedKey']],
  Submission: [['string', 'kind'], ['bytes32', 'sha256'], ['string', 'context'], ['uint64', 'submittedAt']],
  VerdictCommitment: [['bytes32', 'jobId'], ['address', 'member'], ['bytes32', 'commitment']],
  Verdict: [['bytes32', 'jobId'], ['address', 'member'], ['bytes32', 'sha256'], ['uint64', 'membershipBlock'], ['uint64', 'scannedAt'], ['EngineResult[]', 'results']],
  EngineResult: [['string', 'engine'], ['string', 'engineVersion'], ['string', 'engineUpdate'], ['string', 'category'], ['string', 'result'], ['string', 'method']],
  ReportAttestation: [['bytes32', 'jobId'], ['address[]', 'committed'], ['bytes32[]', 'commitments'], ['address[]', 'revealed'], ['bytes32[]', 'verdicts']]
}

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

export function concat (parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

export function word (bigint) {
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
 * @param {{ keccak_256: (b: Uint8Array) => Uint8Array, sha256: (b: Uint8Array) => Uint8Array, secp256k1: any }} crypto
 */
export function createVerifier ({ keccak_256: keccak, sha256, secp256k1 }) {
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
    const domain = hashStruct('EIP712Domain', { ...DOMAIN, chainId, verifyingContract: registry })
    return keccak(concat([new Uint8Array([0x19, 0x01]), domain, hashStruct(name, value)]))
  }

  /**
   * The lowercase address that signed `hash`, or undefined for a malformed or non-canonical (high s)
   * signature. A member's signature has one spelling, v 27 or 28 (protocol signing.ts); a submitter's
   * wallet may also sign with v 0 or 1 (`wallet`), as ethers reads it.
   */
  function recover (hash, signature, wallet = false) {
    try {
      const sig = hexToBytes(signature)
      if (sig.length !== 65) return undefined
      if (!wallet && sig[64] !== 27 && sig[64] !== 28) return undefined
      const v = sig[64] >= 27 ? sig[64] - 27 : sig[64]
      if (v !== 0 && v !== 1) return undefined
      const parsed = secp256k1.Signature.fromBytes(sig.slice(0, 64), 'compact')
      if (parsed.hasHighS()) return undefined
      const point = parsed.addRecoveryBit(v).recoverPublicKey(hash)
      return bytesToHex(keccak(point.toBytes(false).slice(1)).slice(12))
    } catch {
      return undefined
    }
  }

  const hex = bytesToHex
  return {
    keccak,
    /** sha256 of an indicator subject's UTF-8: what its job names as sha256 */
    subjectSha256: (subject) => hex(sha256(enc.encode(subject))),
    jobId: (job, chainId, registry) => hex(digest('ScanJob', job, chainId, registry)),
    verdictHash: (verdict) => hex(hashStruct('Verdict', verdict)),
    /** keccak256(verdictHash || salt) */
    commitment: (verdict, salt) => hex(keccak(concat([hashStruct('Verdict', verdict), hexToBytes(salt)]))),
    reportDigest: (attestation, chainId, registry) => hex(digest('ReportAttestation', attestation, chainId, registry)),
    recoverDigest: (digestHex, signature) => recover(hexToBytes(digestHex), signature),
    recoverJobSigner: (signed, chainId, registry) => recover(digest('ScanJob', signed.job, chainId, registry), signed.signature),
    recoverCommitmentSigner: (signed, chainId, registry) => recover(digest('VerdictCommitment', signed.commitment, chainId, registry), signed.signature),
    recoverVerdictSigner: (signed, chainId, registry) => recover(digest('Verdict', signed.verdict, chainId, registry), signed.signature),
    /** who signed the job's Submission (kind, sha256, context, submittedAt), or undefined */
    recoverSubmitter: (job, chainId, registry) => recover(digest('Submission', { kind: job.kind, sha256: job.sha256, context: job.context, submittedAt: job.submittedAt }, chainId, registry), job.submitterSignature, true)
  }
}
