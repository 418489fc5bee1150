/**
 * The governance page: proposals and members as this node reads them from the chain, and what a
 * token holder does with their own wallet (wallet-card.js): delegate, vote with a reason, queue
 * and execute. After a transaction the row shows the chain's own state and tally.
 */
import { api, date, el, errorBox, failureText, show } from '/web/page-kit.js'
import { MAX_REASON } from '/web/gov-actions.js'
import { renderWalletCard, runTx, vmt, withWallet } from '/web/wallet-card.js'

function firstLine (text) {
  const line = text.split('\n')[0] ?? ''
  return line.length > 90 ? `${line.slice(0, 89)}…` : line
}

/** what the wallet can do with a proposal in each state */
const ACTIONS = { Active: ['vote', 'Vote'], Succeeded: ['queue', 'Queue'], Queued: ['execute', 'Execute'] }

function proposalRow (p) {
  const a = p.attributes
  const quorumText = (votes) => a.quorum === null ? 'from the snapshot' : `${vmt(a.quorum)} (${BigInt(votes.for) + BigInt(votes.abstain) >= BigInt(a.quorum) ? 'reached' : 'not reached'})`
  const quorum = el('td', { class: 'quorum', text: quorumText(a.votes) })
  const stateCell = el('td', {}, el('span', { class: `pill state-${a.state}`, text: a.state }))
  const tally = ['for', 'against', 'abstain'].map((k) => el('td', { class: `num votes-${k}`, text: vmt(a.votes[k]) }))
  const act = el('td', { class: 'act' })
  const row = el('tr', { 'data-id': p.id },
    el('td', { class: 'mono', title: p.id, text: p.id.length > 14 ? `${p.id.slice(0, 8)}…${p.id.slice(-4)}` : p.id }),
    stateCell,
    el('td', { title: a.description, text: firstLine(a.description) }),
    ...tally,
    quorum,
    el('td', { text: a.eta === null ? '—' : date(a.eta) }),
    el('td', { text: `${a.created_block} → ${a.deadline_block}` }),
    act)
  /** the chain's state and tally after a transaction, read through the wallet */
  const refresh = async (actions) => {
    const now = await actions.tally(BigInt(p.id))
    stateCell.replaceChildren(el('span', { class: `pill state-${now.state}`, text: now.state }))
    tally.forEach((cell, i) => { cell.textContent = vmt(now.votes[['for', 'against', 'abstain'][i]]) })
    quorum.textContent = quorumText(now.votes)
    setAction(now.state)
  }
  const panel = () => {
    // one panel row under the proposal, reused
    const next = row.nextElementSibling
    if (next?.classList.contains('act-row')) return next.firstElementChild
    const cell = el('td', { colspan: 10 })
    row.after(el('tr', { class: 'act-row', 'data-for': p.id }, cell))
    return cell
  }
  const setAction = (state) => {
    const action = ACTIONS[state]
    if (action === undefined) { act.replaceChildren(); return }
    const [fn, label] = action
    act.replaceChildren(el('button', {
      type: 'button',
      class: 'act-button',
      text: label,
      onclick: () => { if (fn === 'vote') voteForm(panel(), p, refresh); else void lifecycle(panel(), fn, p, refresh) }
    }))
  }
  setAction(a.state)
  return row
}

function voteForm (cell, p, refresh) {
  const status = el('div', { class: 'tx-status' })
  const reason = el('textarea', { name: 'reason', class: 'reason', rows: 2, maxlength: MAX_REASON, placeholder: 'your reason (recorded on chain with the vote)', 'aria-label': 'reason' })
  const choices = ['for', 'against', 'abstain'].map((s, i) => el('label', {}, el('input', { type: 'radio', name: `support-${p.id}`, value: s, checked: i === 0 }), ` ${s}`))
  const form = el('form', { class: 'vote-form' }, el('div', { class: 'choices' }, choices), reason,
    el('button', { class: 'primary', type: 'submit', text: 'Cast vote' }), status)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const support = new FormData(form).get(`support-${p.id}`)
    await withWallet(status, async (actions) => {
      const sent = await runTx(status, `Vote ${support}`, (onHash) => actions.vote(BigInt(p.id), support, reason.value, onHash))
      if (sent !== undefined) await refresh(actions).catch((err) => { status.append(errorBox(`Reading the proposal again failed: ${failureText(err)}`)) })
    })
  })
  cell.replaceChildren(form)
}

async function lifecycle (cell, fn, p, refresh) {
  const status = el('div', { class: 'tx-status' })
  cell.replaceChildren(status)
  await withWallet(status, async (actions) => {
    const sent = await runTx(status, fn === 'queue' ? 'Queue' : 'Execute', (onHash) => actions.lifecycle(fn, p, onHash))
    if (sent !== undefined) await refresh(actions).catch((err) => { status.append(errorBox(`Reading the proposal again failed: ${failureText(err)}`)) })
  })
}

export async function renderGovernance () {
  show(el('p', { class: 'muted', text: 'Loading governance…' }))
  let page, members
  try {
    ;[page, members] = await Promise.all([api('/api/virusmap/governance/proposals?limit=10'), api('/api/virusmap/governance/members')])
  } catch (err) {
    show(el('h1', { text: 'Governance' }), errorBox(failureText(err)))
    return
  }
  const rows = el('tbody', {}, page.data.map(proposalRow))
  const more = el('div', { class: 'more' })
  const pager = (cursor) => {
    if (cursor === undefined) { more.replaceChildren(); return }
    more.replaceChildren(el('button', {
      class: 'primary',
      id: 'more-proposals',
      type: 'button',
      text: 'Older proposals',
      onclick: async () => {
        try {
          const next = await api(`/api/virusmap/governance/proposals?limit=10&cursor=${encodeURIComponent(cursor)}`)
          rows.append(...next.data.map(proposalRow))
          pager(next.meta.cursor)
        } catch (err) {
          more.replaceChildren(errorBox(failureText(err)))
        }
      }
    }))
  }
  pager(page.meta.cursor)
  const proposals = page.data.length === 0
    ? el('p', { class: 'muted', text: 'No proposals yet.' })
    : el('table', { id: 'proposals' },
      el('thead', {}, el('tr', {}, ['proposal', 'state', 'description', 'for', 'against', 'abstain', 'quorum (for + abstain)', 'executable from', 'blocks', ''].map((h) => el('th', { text: h })))),
      rows)
  const memberTable = el('table', { id: 'gov-members' },
    el('thead', {}, el('tr', {}, ['operator', 'peer id', 'registered', 'term ends', 'engines'].map((h) => el('th', { text: h })))),
    el('tbody', {}, members.data.map((m) => {
      const a = m.attributes
      return el('tr', {},
        el('td', { class: 'mono', title: a.operator, text: a.operator }),
        el('td', { class: 'mono', title: a.peer_id, text: a.peer_id === '' ? '—' : `${a.peer_id.slice(0, 12)}…${a.peer_id.slice(-6)}` }),
        el('td', { text: `block ${a.registered_block}` }),
        el('td', { text: a.term_end_block === null ? 'no term limit' : `block ${a.term_end_block}` }),
        el('td', {}, a.engines.length === 0 ? el('span', { class: 'muted', text: 'none listed' }) : a.engines.map((e) => el('span', { class: 'tag', text: e }))))
    })))
  const wallet = el('div', { class: 'card', id: 'wallet' })
  show(el('h1', { text: 'Governance' }),
    el('p', { class: 'muted', text: 'Token holders elect and remove supernodes through the Governor; proposals pass by vote, wait in the timelock, then execute. Proposals and members are read from the chain by this node. Delegate, vote, queue and execute here with your own wallet, or from a terminal: virusmap gov delegate | propose | vote | queue | execute.' }),
    wallet,
    el('div', { class: 'card' }, el('h2', { text: 'Proposals' }), el('div', { class: 'table-wrap' }, proposals), more),
    el('div', { class: 'card' }, el('h2', { text: `Members (${members.data.length})` }), memberTable))
  await renderWalletCard(wallet)
}
