/**
 * Hunting on the vendor page (#/vendor, issue 17, SPEC 19): the connected wallet signs a HuntAccess for this
 * node (EIP-712, eth_signTypedData_v4; the node's operator address and the domain come from the pinned
 * deployment and /api/virusmap/network), and the panel reads, with it, the vendor's rulesets here, this
 * member's signed match notifications (each checked against the member's signature here in the browser)
 * and its webhook, which it may set or remove. Rules are registered with `virusmap hunt add RULES.yar`:
 * they are sealed to every member's key, which a page cannot do without the rules leaving the CLI.
 */
import { DOMAIN, TYPES } from '/protocol/src/eip712-hash.js'
import { pinnedDeployment } from '/web/deployment.js'
import { ApiFailure, api, el, errorBox, failureText, headers } from '/web/page-kit.js'
import { connect, discoverWallets, request } from '/web/wallet.js'

const AUTH = 'x-virusmap-hunt-auth'

const fields = (name) => TYPES[name].map(([type, field]) => ({ name: field, type }))

/** eth_signTypedData_v4's payload of HuntAccess(vendor, node, issuedAt) under the protocol's domain */
export function huntAccessTyped ({ chainId, registry }, access) {
  return {
    types: { EIP712Domain: fields('EIP712Domain'), HuntAccess: fields('HuntAccess') },
    domain: { ...DOMAIN, chainId, verifyingContract: registry },
    primaryType: 'HuntAccess',
    message: access
  }
}

/** the vendor's access header for this node, signed by the only (or first) wallet the browser has */
async function signAccess () {
  const d = await pinnedDeployment()
  const node = (await api('/api/virusmap/network')).data.attributes.self
  const [wallet] = await discoverWallets(window)
  if (wallet === undefined) throw new Error('No wallet found in this browser: hunting needs the vendor\'s wallet to sign its access.')
  const [vendor] = await connect(wallet.provider)
  const issuedAt = Date.now()
  const typed = huntAccessTyped(d, { vendor, node: node.toLowerCase(), issuedAt })
  const signature = await request(wallet.provider, 'eth_signTypedData_v4', [vendor, JSON.stringify(typed)], { wait: true })
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) throw new Error('The wallet answered no signature.')
  return { vendor, header: `${issuedAt}.${signature.toLowerCase()}`, d }
}

async function hunted (path, access, init = {}) {
  const res = await fetch(`${path}${path.includes('?') ? '&' : '?'}vendor=${access.vendor}`, { ...init, headers: { ...headers(), [AUTH]: access.header, ...init.headers } })
  if (res.status === 204) return undefined
  let body
  try { body = await res.json() } catch { body = undefined }
  if (!res.ok) throw new ApiFailure(res.status, body?.error?.code ?? 'Error', body?.error?.message ?? `HTTP ${res.status}`)
  return body
}

const table = (id, heads, rows) => el('div', { class: 'table-wrap' }, el('table', { id },
  el('thead', {}, el('tr', {}, ...heads.map((h) => el('th', { text: h })))),
  el('tbody', {}, rows)))

function rulesetsPart (list) {
  if (list.length === 0) return el('p', { id: 'hunt-no-rulesets', text: 'No active ruleset at this node. Register one with `virusmap hunt add RULES.yar --keystore FILE`.' })
  return table('hunt-rulesets', ['Ruleset', 'Order', 'Paid until block', 'Registered'], list.map((r) => el('tr', {},
    el('td', { class: 'mono', text: r.id }),
    el('td', { class: 'num', text: r.attributes.order_id }),
    el('td', { class: 'num', text: String(r.attributes.paid_until) }),
    el('td', { text: new Date(r.attributes.registered_at).toISOString() }))))
}

function matchesPart (list, verifier, d) {
  if (list.length === 0) return el('p', { id: 'hunt-no-matches', text: 'No match notification from this node yet.' })
  return table('hunt-matches', ['#', 'Sample', 'Rules', 'Member', 'Signature'], list.map((m) => {
    const n = m.attributes
    let signed
    try {
      signed = verifier.recoverDigest(verifier.digest('HuntMatch', n.match, d.chainId, d.registry), n.signature, n.match.member)?.toLowerCase() === n.match.member.toLowerCase()
    } catch {
      signed = false
    }
    return el('tr', { 'data-seq': m.id },
      el('td', { class: 'num', text: m.id }),
      el('td', {}, el('a', { class: 'mono', href: `#/file/${n.match.sha256.slice(2)}`, text: n.match.sha256 })),
      el('td', { text: n.match.rules.join(', ') }),
      el('td', { class: 'mono', text: n.match.member }),
      el('td', {}, el('span', { class: `pill ${signed ? 'order-fulfilled' : 'order-refunded'}`, text: signed ? 'member\'s' : 'does not verify' })))
  }))
}

function webhookPart (hook, access, redraw) {
  const status = el('div', { id: 'hunt-webhook-status' })
  const input = el('input', { name: 'url', class: 'mono', spellcheck: 'false', autocomplete: 'off', placeholder: 'https://soc.example/virusmap', value: hook?.attributes.url ?? '' })
  const form = el('form', { id: 'hunt-webhook-form', class: 'deployment-form' }, el('label', {}, 'webhook ', input), el('button', { class: 'primary', type: 'submit', text: 'Set webhook' }))
  const act = async (init) => {
    try {
      await hunted('/api/virusmap/hunt/webhook', access, init)
      await redraw()
    } catch (err) {
      status.replaceChildren(errorBox(failureText(err)))
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    void act({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: input.value.trim() }) })
  })
  return el('div', {},
    el('p', { id: 'hunt-webhook', text: hook === undefined ? 'No webhook: this node only keeps the notifications for you to read or stream.' : `This node POSTs each new notification to ${hook.attributes.url} (delivered up to #${hook.attributes.delivered_seq}).` }),
    form,
    hook === undefined ? '' : el('button', { type: 'button', id: 'hunt-webhook-remove', text: 'Remove webhook', onclick: () => { void act({ method: 'DELETE' }) } }),
    status)
}

/** The hunting card; `verifier` is protocol/src/eip712-hash.js createVerifier's. */
export function huntPanel (verifier) {
  const out = el('div', { id: 'hunt-result' })
  let access
  const redraw = async () => {
    const [rulesets, matches, hook] = await Promise.all([
      hunted('/api/virusmap/hunt/rulesets', access),
      hunted('/api/virusmap/hunt/matches?limit=100', access),
      hunted('/api/virusmap/hunt/webhook', access).catch((err) => { if (err instanceof ApiFailure && err.status === 404) return undefined; throw err })
    ])
    out.replaceChildren(
      el('p', { class: 'muted', text: `Signed in as ${access.vendor} at this node.` }),
      el('h3', { text: 'Rulesets' }), rulesetsPart(rulesets.data),
      el('h3', { text: 'Matches' }), matchesPart(matches.data, verifier, access.d),
      el('p', { class: 'note', text: 'A match is confirmed once f+1 members signed it: `virusmap hunt matches` counts them across every member.' }),
      el('h3', { text: 'Webhook' }), webhookPart(hook?.data === undefined ? undefined : hook.data, access, async () => { await redraw().catch((err) => { out.replaceChildren(errorBox(failureText(err))) }) }))
  }
  const button = el('button', {
    type: 'button',
    class: 'primary',
    id: 'hunt-connect',
    text: 'Sign in with your wallet',
    onclick: async () => {
      out.replaceChildren(el('p', { class: 'muted', text: 'Asking your wallet to sign access to this node…' }))
      try {
        access = await signAccess()
        await redraw()
      } catch (err) {
        out.replaceChildren(errorBox(failureText(err)))
      }
    }
  })
  return el('section', { class: 'card', id: 'hunt-card' },
    el('h2', { text: 'Hunting' }),
    el('p', { text: 'Your YARA rulesets at this node, its signed match notifications and its webhook. Your wallet signs an access for this node only, valid for 5 minutes.' }),
    button, out)
}
