/**
 * The supernode's web page: upload (drag and drop, XHR progress), report, search, network, governance.
 * Plain ES modules, no build step; every string from the API goes into the page as text.
 */
import { keccak_256 as keccak } from '/web/vendor/noble-hashes/sha3.js'
import { sha256 } from '/web/vendor/noble-hashes/sha2.js'
import { secp256k1 } from '/web/vendor/noble-curves/secp256k1.js'
import { bytesToHex, createVerifier } from '/protocol/src/eip712-hash.js'
import { api, ApiFailure, apiKey, date, el, engineTable, errorBox, failureText, headers, KEY_STORE, progressBar, reportParts, show, size, waitForAnalysis } from '/web/page-kit.js'
import { renderAnchor } from '/web/anchor-page.js'
import { renderGovernance } from '/web/governance.js'
import { renderVendor } from '/web/market-page.js'
import { renderIndicator, renderUrlForm, searchTarget } from '/web/indicator.js'
import { verifyBadge } from '/web/verify-badge.js'

const verifier = createVerifier({ keccak_256: keccak, sha256, secp256k1 })
/** sha256 of files uploaded from this page, so the report can be checked against the bytes themselves */
const localHashes = new Map()

function uploadFile (file, bar) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/v3/files')
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v)
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) bar.set(e.loaded / e.total, `Uploading ${file.name}`) })
    xhr.addEventListener('load', () => {
      let body
      try { body = JSON.parse(xhr.responseText) } catch { body = undefined }
      if (xhr.status === 200 && typeof body?.data?.id === 'string') resolve(body.data.id)
      else reject(new ApiFailure(xhr.status, body?.error?.code ?? 'Error', body?.error?.message ?? `HTTP ${xhr.status}`))
    })
    xhr.addEventListener('error', () => { reject(new Error('the upload failed (network error)')) })
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}

async function submit (file, status) {
  const upload = progressBar(`Uploading ${file.name}`)
  status.replaceChildren(upload.node)
  try {
    const bytes = new Uint8Array(await file.arrayBuffer())
    const localSha = bytesToHex(sha256(bytes)).slice(2)
    const id = await uploadFile(file, upload)
    upload.set(1, `Uploaded ${file.name} (${size(file.size)})`)
    localHashes.set(localSha, file.name)
    const quorum = progressBar('Waiting for the members\' verdicts')
    status.append(quorum.node)
    await waitForAnalysis(id, quorum)
    // the report page asks about the bytes hashed here, not the file the node's analysis names
    location.hash = `#/file/${localSha}`
  } catch (err) {
    status.append(errorBox(failureText(err)))
  }
}

async function renderHome () {
  const input = el('input', { type: 'file', id: 'file-input' })
  const status = el('div', { id: 'upload-status' })
  const drop = el('label', { class: 'drop', id: 'drop', for: 'file-input' },
    el('strong', { text: 'Drop a file here to scan it' }),
    el('span', { class: 'muted', text: 'or click to choose one. Every elected supernode scans it; the report is final once a quorum has signed.' }),
    input)
  input.addEventListener('change', () => { if (input.files?.[0]) submit(input.files[0], status) })
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over') })
  drop.addEventListener('dragleave', () => { drop.classList.remove('over') })
  drop.addEventListener('drop', (e) => {
    e.preventDefault()
    drop.classList.remove('over')
    const file = e.dataTransfer?.files?.[0]
    if (file) submit(file, status)
  })
  const recent = el('div', { id: 'recent' }, el('span', { class: 'muted', text: 'loading recent reports…' }))
  show(el('h1', { text: 'Scan a file' }), drop, status, renderUrlForm(), el('h2', { text: 'Recent reports' }), recent)
  recent.replaceChildren(await recentTable())
}

async function recentTable () {
  try {
    const { data } = await api('/api/virusmap/reports?limit=20')
    if (data.length === 0) return el('p', { class: 'muted', text: 'No reports yet.' })
    return el('table', { id: 'recent-reports' },
      el('thead', {}, el('tr', {}, el('th', { text: 'sha256 / indicator' }), el('th', { text: 'type' }), el('th', { text: 'size' }), el('th', { text: 'detections' }), el('th', { text: 'signed by' }), el('th', { text: 'date' }))),
      el('tbody', {}, data.map((r) => {
        const a = r.attributes
        // an indicator's report: its subject instead of a hash, its kind instead of a file type and size
        if (a.subject !== undefined) { a.type_description = a.kind; a.size = undefined }
        const bad = a.stats.malicious + a.stats.suspicious
        const engines = Object.values(a.stats).reduce((x, y) => x + y, 0) - a.stats['confirmed-timeout']
        return el('tr', {},
          el('td', {}, a.subject === undefined
            ? el('a', { class: 'mono', href: `#/file/${a.sha256}`, text: a.sha256 })
            : el('a', { class: 'mono', href: `#/indicator/${a.kind}/${encodeURIComponent(a.subject)}`, title: a.sha256, text: a.subject })),
          el('td', { text: a.type_description }),
          el('td', { text: a.size === undefined ? '—' : size(a.size) }),
          el('td', {}, el('span', { class: `pill ${bad > 0 ? 'cat-malicious' : 'cat-undetected'}`, text: `${bad} / ${engines}` })),
          el('td', { text: `${a.verdict_count} of ${a.member_count} members` }),
          el('td', { text: date(a.date) }))
      })))
  } catch (err) {
    return errorBox(failureText(err))
  }
}

// ---- report ----
async function renderFile (hash) {
  show(el('p', { class: 'muted', text: 'Loading report…' }))
  let file
  try {
    file = (await api(`/api/v3/files/${encodeURIComponent(hash)}`)).data
  } catch (err) {
    show(el('h1', { text: 'File report' }), errorBox(err instanceof ApiFailure && err.status === 404 ? `No file with hash ${hash} is known to this node.` : failureText(err)))
    return
  }
  const a = file.attributes
  const votes = a.total_votes === undefined ? [] : [['community votes', `${a.total_votes.malicious} malicious, ${a.total_votes.harmless} harmless (on this node)`]]
  const { summary, badge, statPills, details } = reportParts(a, 'file', a.virusmap !== undefined,
    [el('div', { class: 'mono', text: a.sha256 }), el('div', { class: 'muted', text: `${a.meaningful_name} · ${a.type_description} · ${size(a.size)}` })],
    [['sha256', a.sha256, true], ['sha1', a.sha1, true], ['md5', a.md5, true], ['file type', `${a.type_description} (${a.type_tag})`], ['size', `${size(a.size)} (${a.size} bytes)`],
      ['names', a.names.join(', ') || '—'], ['first seen', date(a.first_submission_date)], ['last seen', date(a.last_submission_date)],
      ['last analysis', date(a.last_analysis_date)], ...votes])
  const engines = engineTable(a)
  show(el('h1', { text: 'File report' }), summary, badge,
    el('div', { class: 'card' }, el('h2', { text: 'Detections' }), statPills, engines),
    el('div', { class: 'card' }, el('h2', { text: 'Details' }), details))
  const local = localHashes.get(hash.toLowerCase())
  await verifyBadge(badge, a, { hash, ...(local === undefined ? {} : { source: `your file ${local}, hashed in this browser` }) }, verifier)
}

// ---- network ----
async function renderNetwork () {
  show(el('p', { class: 'muted', text: 'Loading network…' }))
  let net
  try {
    net = (await api('/api/virusmap/network')).data.attributes
  } catch (err) {
    show(el('h1', { text: 'Network' }), errorBox(failureText(err)))
    return
  }
  const members = el('table', { id: 'members' },
    el('thead', {}, el('tr', {}, el('th', { text: 'operator' }), el('th', { text: 'peer id' }), el('th', { text: 'engines' }), el('th', { text: '' }))),
    el('tbody', {}, net.members.map((m) => el('tr', {},
      el('td', { class: 'mono', title: m.operator, text: m.operator }),
      el('td', { class: 'mono', title: m.peer_id, text: m.peer_id === '' ? '—' : `${m.peer_id.slice(0, 12)}…${m.peer_id.slice(-6)}` }),
      el('td', {}, m.engines.length === 0 ? el('span', { class: 'muted', text: 'none listed' }) : m.engines.map((e) => el('span', { class: 'tag', text: e }))),
      el('td', {}, m.operator === net.self ? el('span', { class: 'pill', text: 'this node' }) : '')))))
  const recent = el('div', {}, el('span', { class: 'muted', text: 'loading…' }))
  show(el('h1', { text: 'Network' }),
    el('div', { class: 'card' }, el('table', { class: 'kv' }, el('tbody', {},
      [['chain id', String(net.chain_id)], ['registry', net.registry], ['this node', net.self], ['followed block', String(net.followed_block)], ['members', String(net.members.length)]]
        .map(([k, v]) => el('tr', {}, el('td', { text: k }), el('td', { class: 'mono', text: v })))))),
    el('div', { class: 'card' }, el('h2', { text: `Members at block ${net.followed_block}` }), members),
    el('div', { class: 'card' }, el('h2', { text: 'Recent reports' }), recent))
  recent.replaceChildren(await recentTable())
}

// ---- search and routing ----
function renderSearch (q) {
  const query = q.trim()
  const target = searchTarget(query)
  if (target !== undefined) { location.hash = target; return }
  show(el('h1', { text: 'Search' }), errorBox(`"${query.slice(0, 100)}" is not a file hash (sha256, sha1, md5), URL, domain, IP address or wallet address.`))
}

async function route () {
  const [, page, arg] = /^#\/([a-z]*)\/?(.*)$/.exec(location.hash) ?? []
  const value = decodeURIComponent(arg ?? '')
  if (page === 'file' && value !== '') await renderFile(value)
  else if (page === 'network') await renderNetwork()
  else if (page === 'governance') await renderGovernance()
  else if (page === 'vendor') renderVendor(verifier)
  else if (page === 'anchor') await renderAnchor(value, verifier.keccak)
  else if (page === 'search') renderSearch(value)
  else if (page === 'indicator' && arg !== undefined) await renderIndicator(verifier, arg)
  else await renderHome()
}

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault()
  const q = document.getElementById('search-input').value
  location.hash = `#/search/${encodeURIComponent(q.trim())}`
})
const keyInput = document.getElementById('apikey')
keyInput.value = apiKey()
function saveKey () {
  if (keyInput.value.trim() === apiKey()) return
  localStorage.setItem(KEY_STORE, keyInput.value.trim())
  route()
}
keyInput.addEventListener('change', saveKey)
keyInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') saveKey() })
window.addEventListener('hashchange', () => { route() })
route()
