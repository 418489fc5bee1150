/**
 * Indicators on the web page: what the search box takes besides file hashes, the report page of a
 * URL, domain, IP address, wallet or page script, and the "submit a URL" form.
 */
import { api, apiPostForm, ApiFailure, date, el, engineTable, errorBox, failureText, progressBar, reportParts, show, waitForAnalysis } from '/web/page-kit.js'
import { verifyBadge } from '/web/verify-badge.js'

const HASH = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/
const WALLET = /^(?:eip155:[0-9]{1,32}:)?0x[0-9a-fA-F]{40}$/i
const IP = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*\]?)$/
const URLISH = /^[a-z][a-z0-9+.-]*:\/\/|[/?#]/i
/** a single token of printable characters with a dot: something a domain may be */
const DOMAINISH = /^[^\s<>"'`\\/]+\.[^\s<>"'`\\/]+$/
const TITLES = { url: 'URL report', domain: 'Domain report', ip: 'IP address report', wallet: 'Wallet report', script: 'Page script report' }
const utf8 = new TextEncoder()

/** The unpadded base64url of the URL's UTF-8: VirusTotal's URL id (the node canonicalizes it). */
function vtUrlId (url) {
  let binary = ''
  for (const b of utf8.encode(url)) binary += String.fromCharCode(b)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

function objectPath (kind, value) {
  if (kind === 'url') return `/api/v3/urls/${vtUrlId(value)}`
  if (kind === 'domain') return `/api/v3/domains/${encodeURIComponent(value)}`
  if (kind === 'ip') return `/api/v3/ip_addresses/${encodeURIComponent(value)}`
  return `/api/virusmap/indicators/${kind}/${encodeURIComponent(value)}`
}

/** Where the search box goes for a query: a file hash, or an indicator decided by its shape; undefined for neither. */
export function searchTarget (query) {
  if (query.length > 4096) return undefined
  if (HASH.test(query)) return `#/file/${query.toLowerCase()}`
  const kind = WALLET.test(query) ? 'wallet' : IP.test(query) ? 'ip' : URLISH.test(query) && !/[\s<>"'`]/.test(query) ? 'url' : DOMAINISH.test(query) ? 'domain' : undefined
  return kind === undefined ? undefined : `#/indicator/${kind}/${encodeURIComponent(query)}`
}

async function relatedFiles (kind, id) {
  const box = el('div', { id: 'related-files' })
  const collection = { url: 'urls', domain: 'domains', ip: 'ip_addresses' }[kind]
  if (collection === undefined) return box
  try {
    const { data } = await api(`/api/v3/${collection}/${encodeURIComponent(id)}/referrer_files?limit=20`)
    box.replaceChildren(data.length === 0
      ? el('p', { class: 'muted', text: 'No scanned file is known to contain it.' })
      : el('ul', {}, data.map((f) => el('li', {}, el('a', { class: 'mono', href: `#/file/${f.id}`, text: f.id }), f.attributes?.meaningful_name === undefined ? '' : ` ${f.attributes.meaningful_name}`))))
  } catch (err) {
    box.replaceChildren(errorBox(failureText(err)))
  }
  return box
}

/** The report page: `arg` is "<kind>/<percent-encoded value>" from the location hash. */
export async function renderIndicator (verifier, arg) {
  const slash = arg.indexOf('/')
  const kind = arg.slice(0, slash)
  let value
  try { value = decodeURIComponent(arg.slice(slash + 1)) } catch { value = '' }
  if (TITLES[kind] === undefined || slash < 0 || value === '') { show(el('h1', { text: 'Search' }), errorBox('Not an indicator link.')); return }
  show(el('p', { class: 'muted', text: 'Loading report…' }))
  let data
  try {
    data = (await api(objectPath(kind, value))).data
  } catch (err) {
    show(el('h1', { text: TITLES[kind] }), errorBox(err instanceof ApiFailure && err.status === 404 ? `Nothing is known of ${kind} ${value.slice(0, 200)} on this node: submit it first.` : failureText(err)))
    return
  }
  const a = data.attributes
  const vm = a.virusmap
  const { summary, badge, statPills, details } = reportParts(a, kind, vm.job !== undefined,
    [el('div', { class: 'mono', id: 'subject', text: vm.subject }), el('div', { class: 'muted', text: kind })],
    [['kind', kind], ['subject', vm.subject, true], ['first seen', date(a.first_submission_date)], ['last seen', date(a.last_submission_date)],
      ['last analysis', date(a.last_analysis_date)], ['submitted by', vm.submitters.length === 0 ? 'nobody (seen in files)' : vm.submitters.join(', '), true],
      ['context', vm.context === '' ? '—' : vm.context], ['community votes', `${a.total_votes.malicious} malicious, ${a.total_votes.harmless} harmless (on this node)`]])
  const related = el('div', {}, el('span', { class: 'muted', text: 'loading…' }))
  show(el('h1', { text: TITLES[kind] }), summary, badge,
    el('div', { class: 'card' }, el('h2', { text: 'Detections' }), statPills, engineTable(a)),
    el('div', { class: 'card' }, el('h2', { text: 'Details' }), details),
    kind === 'url' || kind === 'domain' || kind === 'ip' ? el('div', { class: 'card' }, el('h2', { text: 'Files that contain it' }), related) : '')
  await Promise.all([
    // held to the indicator in the page's address, canonicalized in this browser, not to the node's subject
    verifyBadge(badge, a, { kind, subject: value }, verifier),
    relatedFiles(kind, data.id).then((box) => { related.replaceChildren(box) })
  ])
}

/** "Submit a URL": POST /urls (this node's operator signs it as submitter), then the report once a quorum has signed. */
export function renderUrlForm () {
  const input = el('input', { id: 'url-input', name: 'url', type: 'text', placeholder: 'https://…', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'URL to submit' })
  const status = el('div', { id: 'url-status' })
  const form = el('form', { id: 'url-form', class: 'url-form' }, input, el('button', { class: 'primary', type: 'submit', text: 'Submit URL' }))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const url = input.value.trim()
    if (url === '') return
    status.replaceChildren()
    try {
      const { data } = await apiPostForm('/api/v3/urls', { url })
      const bar = progressBar('Waiting for the members\' verdicts')
      status.replaceChildren(bar.node)
      const analysis = await waitForAnalysis(data.id, bar)
      location.hash = `#/indicator/url/${encodeURIComponent(analysis.meta.url_info.url)}`
    } catch (err) {
      status.append(errorBox(failureText(err)))
    }
  })
  return el('div', { class: 'card' }, el('h2', { text: 'Submit a URL' }),
    el('p', { class: 'muted', text: 'The members\' URL engines judge it (lists, look-alikes, heuristics); nothing fetches the page. Submitted here, this node\'s operator wallet signs it as submitter; to sign it yourself use `virusmap submit --url`.' }),
    form, status)
}
