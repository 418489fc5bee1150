/**
 * The deployment the page verifies against: chain id, SupernodeRegistry, NetworkParameters, ReportAnchors, the
 * Governor, RewardsDistributor and the RPC the chain is read through, pinned in this browser's localStorage. On first use it is what
 * this node suggests (/api/virusmap/network) and the page says so; from then on a node cannot
 * change it, only the user can (the form below).
 */
import { api, el } from '/web/page-kit.js'

const STORE = 'virusmap.deployment'
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

function isHttpUrl (text) {
  try { return /^https?:$/.test(new URL(text).protocol) } catch { return false }
}

/** The fields as a deployment, or a message saying what is wrong. */
export function parseDeployment ({ chainId, registry, parameters, anchors, rpcUrl, governor, rewards }, source) {
  const id = Number(chainId)
  if (!Number.isSafeInteger(id) || id <= 0) return 'the chain id must be a positive integer'
  if (!ADDRESS.test(registry)) return 'the registry must be an address (0x and 40 hex digits)'
  if (parameters !== '' && parameters !== undefined && !ADDRESS.test(parameters)) return 'NetworkParameters must be an address, or empty for a deployment without one'
  if (anchors !== '' && anchors !== undefined && !ADDRESS.test(anchors)) return 'ReportAnchors must be an address, or empty for a deployment without one'
  if (rpcUrl !== '' && !isHttpUrl(rpcUrl)) return 'the RPC must be an http(s) URL'
  if (governor !== '' && governor !== undefined && !ADDRESS.test(governor)) return 'the Governor must be an address, or empty (then the page only reads governance)'
  if (rewards !== '' && rewards !== undefined && !ADDRESS.test(rewards)) return 'RewardsDistributor must be an address, or empty (then the page shows no rewards)'
  return { chainId: id, registry: registry.toLowerCase(), parameters: parameters ? parameters.toLowerCase() : '', anchors: anchors ? anchors.toLowerCase() : '', rpcUrl, governor: governor ? governor.toLowerCase() : '', rewards: rewards ? rewards.toLowerCase() : '', source }
}

function stored () {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE) ?? 'null')
    const parsed = saved === null ? undefined : parseDeployment(saved, saved.source === 'user' ? 'user' : 'node')
    return typeof parsed === 'object' ? parsed : undefined
  } catch {
    return undefined
  }
}

function save (deployment) {
  localStorage.setItem(STORE, JSON.stringify(deployment))
}

/** What this node suggests; an RPC URL, NetworkParameters, ReportAnchors, the Governor and RewardsDistributor only if it publishes them. */
async function suggested () {
  const a = (await api('/api/virusmap/network')).data.attributes
  const d = parseDeployment({ chainId: a.chain_id, registry: a.registry, parameters: a.parameters ?? '', anchors: a.anchors ?? '', rpcUrl: a.rpc_url ?? '', governor: a.governor ?? '', rewards: a.rewards ?? '' }, 'node')
  if (typeof d === 'string') throw new Error(`this node suggests no usable deployment: ${d}`)
  return d
}

/** The pinned deployment; pins this node's suggestion on first use. */
export async function pinnedDeployment () {
  const pinned = stored()
  if (pinned !== undefined) return pinned
  const d = await suggested()
  save(d)
  return d
}

/** What the badge says about where the chain was read and who chose it. */
export function deploymentNote (d) {
  const who = d.source === 'user'
    ? 'the deployment you set in this browser'
    : 'using the deployment this node suggests; set your own below'
  return `Chain ${d.chainId}, registry ${d.registry}${d.parameters === '' ? ' (no NetworkParameters: default quorum rule and clock skew)' : `, parameters ${d.parameters}`}${d.anchors === '' ? ' (no ReportAnchors: anchors not checked)' : `, anchors ${d.anchors}`}${d.governor === '' ? '' : `, Governor ${d.governor}`}${d.rewards === '' ? '' : `, RewardsDistributor ${d.rewards}`}, read through ${d.rpcUrl === '' ? '(no RPC set)' : d.rpcUrl}: ${who}.`
}

function field (name, label, value) {
  return el('label', {}, `${label} `, el('input', { name, value, spellcheck: 'false', autocomplete: 'off', class: 'mono' }))
}

/** A form to set the deployment; `onSaved` re-runs the verification. */
export function deploymentForm (d, onSaved) {
  const message = el('span', { class: 'muted', id: 'deployment-message' })
  const form = el('form', { id: 'deployment-form', class: 'deployment-form' },
    field('chainId', 'chain id', String(d.chainId)), field('registry', 'registry', d.registry),
    field('parameters', 'NetworkParameters', d.parameters), field('anchors', 'ReportAnchors', d.anchors), field('rpcUrl', 'RPC URL', d.rpcUrl), field('governor', 'Governor', d.governor), field('rewards', 'RewardsDistributor', d.rewards),
    el('button', { class: 'primary', type: 'submit', text: 'Save' }),
    el('button', { type: 'button', id: 'deployment-reset', text: 'Use this node\'s suggestion', onclick: async () => { localStorage.removeItem(STORE); onSaved() } }),
    message)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const values = Object.fromEntries(new FormData(form).entries())
    const parsed = parseDeployment({ ...values, rpcUrl: String(values.rpcUrl).trim() }, 'user')
    if (typeof parsed === 'string') { message.textContent = parsed; return }
    save(parsed)
    onSaved()
  })
  return el('details', { class: 'deployment', open: d.rpcUrl === '' }, el('summary', { text: 'Deployment checked against' }), form)
}
