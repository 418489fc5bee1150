/**
 * The page's anchor check (anchor-proof.js, verify.js) held to the protocol's: the same leaf from the
 * report it derives itself, the same proofs, and every anchor the light client refuses refused here too.
 */
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { anchorLeafHash, anchorProof, epochTree, leafOf } from '#protocol/index.ts'
import type { Hex, Report } from '#protocol/index.ts'
import { createVerifier, bytesToHex } from '#protocol/eip712-hash.js'
import { fileObject } from '../../src/api/vt-objects.ts'
import { leafHash, leafValues, parseServedAnchor } from '../../src/web/anchor-proof.js'
import { deriveReport } from '../../src/web/report-derive.js'
import { checkReport } from '../../src/web/verify.js'
import { engineResults, hashes, MEMBERS, NOW, CHAIN_ID, REGISTRY, registrationsOf, signedReport } from '../fixtures/signed-reports.ts'

const verifier = createVerifier({ keccak_256, sha256, secp256k1 })
const members = MEMBERS.map((m) => m.address)
const SAMPLES = ['page anchored one', 'page anchored two', 'page left out'].map((s) => new TextEncoder().encode(s))
const [first, second, leftOut] = await Promise.all(SAMPLES.map(async (s, i) =>
  await signedReport(s, { signers: MEMBERS, results: (_m, j) => engineResults(i === 0 && j < 2) }))) as [Report, Report, Report]
const tree = epochTree([first, second])
const root = tree.root as Hex
const E = 4
const EPOCH = 1
const MAX_AGE = 64
const state = { members, registrations: registrationsOf(members), faultDivisor: 3, clockSkewMs: 1000 }
const age = { maxJobAgeBlocks: 7200, limitBlock: 7207 }
const onChain = (anchoredAt = 9, chainRoot: string = root): { epochBlocks: number, anchor: { root: string, leafCount: number, anchoredAt: number, maxJobAgeBlocks: number } } =>
  ({ epochBlocks: E, anchor: { root: chainRoot, leafCount: 2, anchoredAt, maxJobAgeBlocks: MAX_AGE } })

/** a file object's attributes as the API serves them (through JSON), with an anchor when given */
function served (report: Report, anchor?: unknown): any {
  const { job } = report.job
  const info = { sha256: job.sha256, sha1: job.sha1, md5: job.md5, size: job.size, fileType: 'text', names: ['x'], firstSeen: NOW, lastSeen: NOW }
  const attributes = JSON.parse(JSON.stringify((fileObject({ sample: info, report }, 'http://x') as { data: { attributes: Record<string, unknown> } }).data.attributes))
  return anchor === undefined ? attributes : { ...attributes, virusmap_anchor: anchor }
}
const anchorOf = (report: Report, overrides: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ epoch: EPOCH, root, proof: anchorProof(tree, report.jobId), block: 9, ...overrides })
const check = (report: Report, anchor: unknown, chainAnchor: ReturnType<typeof onChain> | { epochBlocks: number } | undefined): ReturnType<typeof checkReport> =>
  checkReport(verifier, served(report, anchor), { hash: hashes(SAMPLES[[first, second, leftOut].indexOf(report)] as Uint8Array).sha256 },
    { chainId: CHAIN_ID, registry: REGISTRY }, { ...state, age, anchor: chainAnchor as never }, NOW)
const anchorCheck = (r: ReturnType<typeof checkReport>): unknown => r.checks.find((c) => c.name === 'anchor')

tap.test('the page computes the protocol\'s leaf from the report it derives itself', async (t) => {
  for (const report of [first, second, leftOut]) {
    const derived = deriveReport(verifier, served(report).virusmap, state, { chainId: CHAIN_ID, registry: REGISTRY }, [])
    if (derived === undefined) throw new Error('the page derives no report')
    t.same(leafValues(report.job.job, derived), leafOf(report).map((v) => (Array.isArray(v) ? [...v] : v)))
    t.equal(bytesToHex(leafHash(leafValues(report.job.job, derived), keccak_256)), anchorLeafHash(leafOf(report)))
  }
})

tap.test('an anchored report is checked and shown as anchored in its epoch', async (t) => {
  for (const report of [first, second]) {
    const r = check(report, anchorOf(report), onChain())
    t.ok(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)))
    // the proof the page shows: its own leaf, the node's siblings, the chain's root
    t.same(r.anchor, { status: 'anchored', epoch: EPOCH, block: 9, leaf: anchorLeafHash(leafOf(report)), proof: anchorProof(tree, report.jobId), root })
    t.match(anchorCheck(r), { ok: true })
  }
})

tap.test('pending: no anchor served, or a deployment without ReportAnchors; neither adds a check', async (t) => {
  const plain = check(first, undefined, undefined)
  t.same([plain.ok, plain.anchor, anchorCheck(plain)], [true, { status: 'pending', reason: 'not-served' }, undefined])
  const unchecked = check(first, anchorOf(first), undefined)
  t.same([unchecked.ok, unchecked.anchor, anchorCheck(unchecked)], [true, { status: 'pending', reason: 'no-anchors-contract' }, undefined])
})

tap.test('every anchor the light client refuses, the page refuses', async (t) => {
  const other = `0x${'ab'.repeat(32)}`
  const cases: Array<[string, Report, unknown, ReturnType<typeof onChain> | { epochBlocks: number }]> = [
    ['another report\'s proof', first, anchorOf(second), onChain()],
    ['a report the tree does not hold', leftOut, anchorOf(first), onChain()],
    ['no root on chain for the epoch', first, anchorOf(first), { epochBlocks: E }],
    ['another root than the chain\'s', first, anchorOf(first, { root: other }), onChain()],
    ['the chain holds another tree', first, anchorOf(first, { root: other }), onChain(9, other)],
    ['an epoch that ended before the job\'s block', first, anchorOf(first, { epoch: 0 }), onChain()],
    ['an epoch too long after the job\'s block', first, anchorOf(first, { epoch: 30 }), onChain(124)],
    ['anchored more than maxJobAgeBlocks after the epoch ended', first, anchorOf(first), onChain(8 + MAX_AGE + 1)],
    ['a malformed anchor', first, { epoch: -1, root, proof: [] }, onChain()]
  ]
  for (const [name, report, anchor, chain] of cases) {
    const r = check(report, anchor, chain)
    t.same([r.ok, r.anchor.status, anchorCheck(r) === undefined ? 'none' : (anchorCheck(r) as { ok: boolean }).ok], [false, 'failed', false], name)
  }
  t.ok(check(first, anchorOf(first), onChain(8 + MAX_AGE)).ok, 'anchored exactly maxJobAgeBlocks after the epoch ended')
  for (const bad of ['x', [], { epoch: 1, root: root.toUpperCase(), proof: [] }, { epoch: 1, root, proof: Array(13).fill(root) }, { epoch: 1.5, root, proof: [] }]) {
    t.type(parseServedAnchor(bad), 'string', JSON.stringify(bad).slice(0, 60))
  }
})
