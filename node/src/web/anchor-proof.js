/**
 * An anchored report checked in the page (SPEC section 15), by the rules of protocol/src/anchors.ts
 * (leafOf, verifyAnchorProof, isEligible) and light-client/anchor-check.ts: the served anchor
 * `virusmap_anchor` { epoch, root, proof } is held to the root ReportAnchors holds on chain, with the
 * leaf recomputed here from the report this page derived. Plain JS, keccak passed in.
 */
// relative imports: the same module loads in the page (/web/) and in Node's tests
import { bytesToHex, concat, hexToBytes } from '../../../protocol/src/eip712-hash.js'
import { leafHash } from '../../../protocol/src/anchor-leaf.js'

/** keccak256(keccak256(abi.encode(values))): OpenZeppelin's StandardMerkleTree leaf, by the protocol's own encoder */
export { leafHash }
/** protocol SAMPLE_KINDS: a leaf names the kind by its index */
const SAMPLE_KINDS = ['file', 'url', 'domain', 'ip', 'wallet', 'script']
const BYTES32 = /^0x[0-9a-f]{64}$/
/** the deepest proof of an epoch of MAX_ANCHOR_JOBS (4,096) reports */
const MAX_PROOF = 12

/** The served anchor, or a string saying why it is malformed; undefined when none was served. */
export function parseServedAnchor (value) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) return 'not an object'
  const { epoch, root, proof } = value
  if (!Number.isSafeInteger(epoch) || epoch < 0) return 'epoch is not a non-negative integer'
  if (typeof root !== 'string' || !BYTES32.test(root)) return 'root is not 32 bytes of lowercase hex'
  if (!Array.isArray(proof) || proof.length > MAX_PROOF || !proof.every((p) => typeof p === 'string' && BYTES32.test(p))) {
    return `proof is not a list of at most ${MAX_PROOF} hashes of 32 bytes`
  }
  return { epoch, root, proof }
}

/** The leaf's values for a job and the report this page derived from it (report-derive.js). */
export function leafValues (job, report) {
  return [
    report.jobId, report.digest, String(job.sha256).toLowerCase(), SAMPLE_KINDS.indexOf(job.kind), job.membershipBlock, job.createdAt,
    String(job.origin).toLowerCase(), String(job.submitter).toLowerCase(), report.stats.malicious, report.stats.suspicious, report.revealed, report.detected
  ]
}

/** The root the proof leads to from `leaf` (bytes), pairs hashed sorted as OpenZeppelin's MerkleProof does. */
export function rootOf (leaf, proof, keccak) {
  let node = leaf
  for (const sibling of proof.map(hexToBytes)) {
    const [a, b] = bytesToHex(node) < bytesToHex(sibling) ? [node, sibling] : [sibling, node]
    node = keccak(concat([a, b]))
  }
  return bytesToHex(node)
}

/**
 * The anchor check: `served` as parseServedAnchor gives it, `chain` what chain-reads.js epochAnchor read
 * for its epoch ({ epochBlocks, anchor?: { root, leafCount, anchoredAt, maxJobAgeBlocks } }). Returns
 * { ok, detail, status } with status { status: 'anchored', epoch, block, leaf, proof, root } or { status: 'failed', epoch }.
 */
export function checkAnchor (job, report, served, chain, keccak) {
  const { epoch } = served
  const failed = (detail) => ({ ok: false, detail, status: { status: 'failed', epoch } })
  const { anchor, epochBlocks } = chain
  if (anchor === undefined) return failed(`the node says epoch ${epoch} anchors this report, but the chain holds no root for it`)
  if (anchor.root !== served.root) return failed(`the node names another root for epoch ${epoch} than the chain's ${anchor.root}`)
  let leaf
  try {
    leaf = leafHash(leafValues(job, report), keccak)
  } catch (err) {
    return failed(`the report has no leaf: ${err?.message ?? err}`)
  }
  if (rootOf(leaf, served.proof, keccak) !== anchor.root) return failed(`this report's leaf is not in epoch ${epoch}'s root by the node's proof`)
  const start = epoch * epochBlocks
  const end = start + epochBlocks
  if (!(job.membershipBlock < end && start - job.membershipBlock <= anchor.maxJobAgeBlocks)) {
    return failed(`the job's block ${job.membershipBlock} is not eligible for epoch ${epoch} (${epochBlocks} blocks, maxJobAgeBlocks ${anchor.maxJobAgeBlocks})`)
  }
  if (anchor.anchoredAt - end > anchor.maxJobAgeBlocks) {
    return failed(`epoch ${epoch} ended at block ${end} and was anchored at block ${anchor.anchoredAt}, more than maxJobAgeBlocks later`)
  }
  return {
    ok: true,
    detail: `this report's leaf is in the root ReportAnchors holds for epoch ${epoch} (blocks ${start}-${end - 1}), posted in block ${anchor.anchoredAt}`,
    // what the page shows as the proof: the leaf it computed, the node's siblings, the chain's root
    status: { status: 'anchored', epoch, block: anchor.anchoredAt, leaf: bytesToHex(leaf), proof: served.proof, root: anchor.root }
  }
}
