/**
 * The verification badge of a report page: reads the chain through the user's pinned deployment,
 * checks the report in this browser against the question in the page's address, and says plainly
 * what was checked, against which chain, and who chose that chain.
 */
import { parseServedAnchor } from '/web/anchor-proof.js'
import { createChainReads, ChainReadError } from '/web/chain-reads.js'
import { deploymentForm, deploymentNote, pinnedDeployment } from '/web/deployment.js'
import { checking, el, errorBox, failureText } from '/web/page-kit.js'
import { checkReport } from '/web/verify.js'

const tags = (items) => (items.length === 0 ? el('span', { class: 'muted', text: 'none' }) : items.map((m) => el('span', { class: 'tag mono', title: m, text: m })))

function what (block, d) {
  return 'Checked in this browser: that the job is about what this page\'s address names; every signature (EIP-712, domain version 2, secp256k1) ' +
    'of the job, the commitments, the verdicts and the members\' attestations of the whole report; that each verdict opens its commitment ' +
    `and only names engines registered to its member; the members, their engines and the quorum rule at block ${block}, read from chain ` +
    `${d.chainId} through ${d.rpcUrl} (not from this node); that every result, stat and count shown is what the signed verdicts give; ` +
    'and that the job was not created after its block had aged past the chain\'s maxJobAgeBlocks; for an anchored report, that its leaf is in ' +
    'the root ReportAnchors holds for its epoch and that the job was eligible for that epoch. An anchor proves the report is in its epoch, ' +
    'not that it is the sample\'s latest: a node can still leave out a later epoch\'s report.'
}

/** Where the report stands on chain (SPEC section 15), as verify.js checkReport says. */
function anchorText (anchor) {
  if (anchor.status === 'anchored') return `anchored in epoch ${anchor.epoch} (root posted in block ${anchor.block})`
  if (anchor.status === 'pending') return anchor.reason === 'not-served' ? 'pending anchor: not anchored on chain yet' : 'not checked: your deployment names no ReportAnchors'
  return 'the node\'s anchor does not hold (see the checks)'
}

const hashItem = (label, value) => el('li', {}, `${label}: `, el('span', { class: 'mono', text: value }))

/**
 * The anchor line; an anchored report also shows the proof this browser checked (its own leaf, the
 * node's siblings, the chain's root) and links to its epoch's page.
 */
function anchorLine (anchor) {
  const line = el('div', {}, el('strong', { text: 'Anchor: ' }), el('span', { id: 'anchor', class: `anchor-${anchor.status}`, text: anchorText(anchor) }))
  if (anchor.status !== 'anchored') return line
  line.append(' ', el('a', { id: 'anchor-link', href: `#/anchor/${anchor.epoch}`, text: `epoch ${anchor.epoch}` }),
    el('details', { id: 'anchor-proof' }, el('summary', { text: `inclusion proof (${anchor.proof.length} hashes), checked in this browser` }),
      el('ol', {}, hashItem('leaf of this report', anchor.leaf), anchor.proof.map((p, i) => hashItem(`sibling ${i + 1}`, p)), hashItem('root on chain', anchor.root))))
  return line
}

function fill (badge, ok, title, ...parts) {
  badge.className = `badge ${ok ? 'ok' : 'fail'}`
  badge.replaceChildren(el('h3', { text: title }), ...parts)
}

/** Fills the badge with a result of verify.js checkReport. */
function showVerification (badge, result, block, d, rerun) {
  fill(badge, result.ok,
    result.ok ? `Verified in this browser: attested by ${result.attesters.length} of ${result.memberCount} members (quorum ${result.quorum})` : 'Verification FAILED',
    el('ul', { id: 'checks' }, result.checks.map((c) => el('li', { class: c.ok ? 'check-ok' : 'check-fail', text: `${c.name}: ${c.detail}` }))),
    el('div', {}, el('strong', { text: 'Attesting members: ' }), el('span', { id: 'attesters' }, tags(result.attesters))),
    el('div', {}, el('strong', { text: 'Attested engines (counted in the stats): ' }), el('span', { id: 'attested-engines' }, tags(result.attestedEngines))),
    el('div', {}, el('strong', { text: 'Absent members: ' }), el('span', { id: 'absent' }, tags(result.absent))),
    el('div', {}, el('strong', { text: 'Withheld (committed, never revealed): ' }), el('span', { id: 'withheld' }, tags(result.withheld))),
    anchorLine(result.anchor),
    el('p', { class: 'note', text: what(block, d) }),
    el('p', { class: 'note', id: 'deployment-note', text: deploymentNote(d) }),
    deploymentForm(d, rerun))
}

/**
 * Verifies the report a served object carries and shows the outcome. `asked` is what the page's
 * address names ({ hash } or { kind, subject }); `verifier` is protocol/src/eip712-hash.js createVerifier's.
 */
export async function verifyBadge (badge, attributes, asked, verifier) {
  const vm = attributes.virusmap
  if (vm?.job === undefined) {
    badge.className = 'badge pending'
    badge.replaceChildren(el('h3', { text: 'Not verified: no quorum report yet' }), el('p', { class: 'note', text: 'The members have not all attested; reload in a few seconds.' }))
    return
  }
  const rerun = () => { void verifyBadge(badge, attributes, asked, verifier) }
  // a check again (a saved deployment) must not leave the verdict of the last deployment showing while it runs
  checking(badge)
  let d
  try {
    d = await pinnedDeployment()
  } catch (err) {
    fill(badge, false, 'Could not learn which chain to check against', errorBox(failureText(err)))
    return
  }
  if (d.rpcUrl === '') {
    fill(badge, false, 'Not verified: set the RPC URL of a chain node you trust', el('p', { class: 'note', id: 'deployment-note', text: deploymentNote(d) }), deploymentForm(d, rerun))
    return
  }
  const block = vm.job?.job?.membershipBlock
  try {
    if (!Number.isSafeInteger(block) || block < 0) throw new TypeError('the report names no membership block')
    const reads = createChainReads(d, verifier.keccak)
    const chainId = await reads.chainId()
    if (chainId !== d.chainId) throw new ChainReadError('WRONG_CHAIN', `your RPC serves chain ${chainId}, not ${d.chainId}`)
    const state = await reads.blockState(block)
    if (state === undefined) throw new ChainReadError('FUTURE_BLOCK', `the job names block ${block}, past the chain's head`)
    const age = await reads.ageLimit(block)
    const served = parseServedAnchor(attributes.virusmap_anchor)
    const anchor = typeof served === 'object' ? await reads.epochAnchor(served.epoch) : undefined
    showVerification(badge, checkReport(verifier, attributes, asked, d, { ...state, age, anchor }, Date.now()), block, d, rerun)
  } catch (err) {
    const title = err instanceof ChainReadError ? 'Not verified: the chain could not be read' : 'Verification FAILED: the report is malformed'
    fill(badge, false, title, errorBox(failureText(err)), el('p', { class: 'note', id: 'deployment-note', text: deploymentNote(d) }), deploymentForm(d, rerun))
  }
}
