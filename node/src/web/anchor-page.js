/**
 * An epoch's anchor page (#/anchor/N, SPEC section 15): what this node says the epoch holds, held to
 * the root, leaf count and block ReportAnchors holds on the chain the user pinned. A report's badge
 * links here; the report's own inclusion proof is checked on the report page.
 */
import { createChainReads } from '/web/chain-reads.js'
import { deploymentNote, pinnedDeployment } from '/web/deployment.js'
import { api, ApiFailure, el, errorBox, failureText, show } from '/web/page-kit.js'

const EPOCH = /^[0-9]{1,15}$/

const row = (k, v, id) => el('tr', {}, el('td', { text: k }), el('td', { class: 'mono', id, text: v }))

/** The node's epoch held to the chain's anchor: a list of differences, empty when they agree. */
function differences (served, onChain) {
  if (onChain === undefined) return ['your deployment names no ReportAnchors, so the chain was not asked']
  if (onChain.anchor === undefined) return [`the chain holds no root for epoch ${served.epoch}`]
  const { anchor } = onChain
  return [
    anchor.root === served.root ? undefined : `the chain's root is ${anchor.root}, not the node's ${served.root}`,
    anchor.leafCount === served.leaf_count ? undefined : `the chain counts ${anchor.leafCount} reports, the node ${served.leaf_count}`,
    anchor.anchoredAt === served.block ? undefined : `the chain's root was posted in block ${anchor.anchoredAt}, the node says ${served.block}`,
    served.job_ids === null || served.job_ids.length === anchor.leafCount ? undefined : `the node lists ${served.job_ids.length} jobs for ${anchor.leafCount} leaves`
  ].filter((d) => d !== undefined)
}

async function chainCheck (box, served, keccak) {
  let d
  try {
    d = await pinnedDeployment()
    if (d.rpcUrl === '') throw new Error('set the RPC URL of a chain node you trust on a report page first')
    const onChain = d.anchors === '' ? undefined : await createChainReads(d, keccak).epochAnchor(served.epoch)
    const diff = differences(served, onChain)
    box.className = `badge ${diff.length === 0 ? 'ok' : 'fail'}`
    box.replaceChildren(
      el('h3', { text: diff.length === 0 ? `The chain holds this root for epoch ${served.epoch}` : 'Not confirmed by the chain' }),
      diff.length === 0 ? el('p', { text: `ReportAnchors at ${d.anchors} on chain ${d.chainId} holds root ${served.root} over ${served.leaf_count} reports, posted in block ${served.block}.` }) : el('ul', {}, diff.map((x) => el('li', { class: 'check-fail', text: x }))),
      el('p', { class: 'note', id: 'deployment-note', text: deploymentNote(d) }))
  } catch (err) {
    box.className = 'badge fail'
    box.replaceChildren(el('h3', { text: 'Not checked: the chain could not be read' }), errorBox(failureText(err)), d === undefined ? '' : el('p', { class: 'note', text: deploymentNote(d) }))
  }
}

/** The page of epoch `arg` (decimal); `keccak` as the verifier's. */
export async function renderAnchor (arg, keccak) {
  if (!EPOCH.test(arg)) { show(el('h1', { text: 'Anchor' }), errorBox('Not an epoch number.')); return }
  show(el('p', { class: 'muted', text: 'Loading anchor…' }))
  let served
  try {
    served = (await api(`/api/virusmap/anchors?epoch=${arg}`)).data.attributes
  } catch (err) {
    show(el('h1', { text: `Epoch ${arg}` }), errorBox(err instanceof ApiFailure && err.status === 404 ? `Epoch ${arg} is not anchored, or this node has not seen its anchor yet.` : failureText(err)))
    return
  }
  const badge = el('div', { id: 'anchor-check', class: 'badge pending' }, el('h3', { text: 'Checking against the chain…' }))
  const jobs = served.job_ids === null
    ? el('p', { class: 'muted', text: 'This node has not matched the root to the proposal it was built from.' })
    : el('ol', { id: 'anchor-jobs' }, served.job_ids.map((id) => el('li', { class: 'mono', text: id })))
  show(el('h1', { text: `Epoch ${served.epoch}` }),
    el('div', { class: 'card' }, el('table', { class: 'kv' }, el('tbody', {},
      row('root', served.root, 'anchor-root'), row('reports', String(served.leaf_count), 'anchor-leaf-count'),
      row('posted in block', String(served.block), 'anchor-block'), row('transaction', served.tx ?? '—')))),
    badge,
    el('div', { class: 'card' }, el('h2', { text: 'Jobs in this epoch\'s tree' }), jobs))
  await chainCheck(badge, served, keccak)
}
