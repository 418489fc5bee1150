/**
 * The vendor page (#/vendor, issue 17): a wallet's data-market orders, read from the chain the user
 * pinned (market-reads.js), never from this node: each order's product, subject (a bought sample links
 * to its report, a feed names its epoch), price, block, deadline and status now. Buying runs in the CLI
 * (`virusmap buy`, `virusmap buy --feed EPOCH`), which needs the order's private key; the page only shows
 * where each order stands. Below, hunting at this node (hunt-panel.js).
 */
import { deploymentNote, pinnedDeployment } from '/web/deployment.js'
import { el, errorBox, failureText, show } from '/web/page-kit.js'
import { huntPanel } from '/web/hunt-panel.js'
import { createMarketReads, feedEpoch } from '/web/market-reads.js'
import { vmt } from '/web/wallet-card.js'

const STORE = 'virusmap.vendor'

function saved () {
  try {
    const v = JSON.parse(localStorage.getItem(STORE) ?? '{}')
    return { market: typeof v.market === 'string' ? v.market : '', wallet: typeof v.wallet === 'string' ? v.wallet : '', from: typeof v.from === 'string' ? v.from : '' }
  } catch {
    return { market: '', wallet: '', from: '' }
  }
}

function orderRow (o) {
  const epoch = o.product === 'feed' ? feedEpoch(o.subject) : undefined
  const subject = o.product === 'sample'
    ? el('a', { class: 'mono', href: `#/file/${o.subject.slice(2)}`, text: o.subject })
    : epoch !== undefined
      ? el('span', { class: 'feed-epoch', text: `epoch ${epoch} (virusmap buy --feed ${epoch})` })
      : el('span', { class: 'mono', text: o.subject })
  return el('tr', { 'data-order': String(o.orderId) },
    el('td', { class: 'num', text: String(o.orderId) }),
    el('td', {}, el('span', { class: `pill order-${o.status}`, text: o.status })),
    el('td', { text: o.product }),
    el('td', {}, subject),
    el('td', { class: 'num', text: vmt(o.price.toString()) }),
    el('td', { class: 'num', text: String(o.block) }),
    el('td', { class: 'num', text: String(o.deadline) }))
}

/** the first block to read: the market's deployment block spares the RPC the chain's older history */
function firstBlock (text) {
  return text === '' ? 0 : /^[0-9]{1,15}$/.test(text) ? Number(text) : -1
}

async function list (out, { market, wallet, from }, keccak) {
  out.replaceChildren(el('p', { class: 'muted', text: 'Reading the chain…' }))
  let d
  try {
    d = await pinnedDeployment()
    if (d.rpcUrl === '') throw new Error('set the RPC URL of a chain node you trust (Deployment, on a report or the governance page) first')
    const orders = await createMarketReads({ rpcUrl: d.rpcUrl, market }, keccak).ordersOf(wallet, { fromBlock: firstBlock(from) })
    out.replaceChildren(
      orders.length === 0
        ? el('p', { id: 'vendor-empty', text: `No orders by ${wallet} on the DataMarket ${market}.` })
        : el('div', { class: 'table-wrap' }, el('table', { id: 'vendor-orders' },
          el('thead', {}, el('tr', {}, ...['Order', 'Status', 'Product', 'Subject', 'Price', 'Block', 'Deadline'].map((h) => el('th', { text: h })))),
          el('tbody', {}, orders.map(orderRow)))),
      el('p', { class: 'note', text: deploymentNote(d) }))
  } catch (err) {
    out.replaceChildren(errorBox(failureText(err)), d === undefined ? '' : el('p', { class: 'note', text: deploymentNote(d) }))
  }
}

/** The vendor page; `verifier` is protocol/src/eip712-hash.js createVerifier's. */
export function renderVendor (verifier) {
  const { keccak } = verifier
  const state = saved()
  const { market, wallet, from } = state
  const out = el('div', { id: 'vendor-result' })
  const form = el('form', { id: 'vendor-form', class: 'deployment-form' },
    el('label', {}, 'DataMarket ', el('input', { name: 'market', value: market, class: 'mono', spellcheck: 'false', autocomplete: 'off', placeholder: '0x… (contracts.market in devnet.json)' })),
    el('label', {}, 'wallet ', el('input', { name: 'wallet', value: wallet, class: 'mono', spellcheck: 'false', autocomplete: 'off', placeholder: '0x…' })),
    el('label', {}, 'from block ', el('input', { name: 'from', value: from, class: 'mono', spellcheck: 'false', autocomplete: 'off', placeholder: 'deployBlock (default 0)', inputmode: 'numeric' })),
    el('button', { class: 'primary', type: 'submit', text: 'Show orders' }))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const values = Object.fromEntries(new FormData(form).entries())
    const next = { market: String(values.market).trim(), wallet: String(values.wallet).trim(), from: String(values.from ?? '').trim() }
    localStorage.setItem(STORE, JSON.stringify(next))
    void list(out, next, keccak)
  })
  show(el('h1', { text: 'Vendor' }),
    el('p', { text: 'A wallet\'s orders on the data market, read from your RPC: samples, epoch feeds (new malicious samples and indicators as JSON lines) and hunts. Buy a sample with `virusmap buy SHA256 --keystore FILE`, an epoch\'s feed with `virusmap buy --feed EPOCH --keystore FILE`; a lapsed order comes back with `virusmap buy --refund ORDER`.' }),
    form, out, huntPanel(verifier))
  if (market !== '' && wallet !== '') void list(out, state, keccak)
}
