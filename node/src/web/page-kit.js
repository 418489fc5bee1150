/**
 * What every page of the web app shares: DOM building (text only: no innerHTML with data), the
 * API with the key from localStorage, progress bars, the engine table and the report card.
 */
export const KEY_STORE = 'virusmap.apikey'
const view = document.getElementById('view')

// ---- small DOM helpers (text only: no innerHTML with data) ----
export function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k === 'class') node.className = v
    else if (k === 'text') node.textContent = v
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v)
    else node.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c))
  return node
}
export function show (...nodes) { view.replaceChildren(...nodes) }
export function date (secs) { return secs === undefined ? '—' : new Date(secs * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') }
export function size (n) { return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB` }
export function errorBox (message) { return el('div', { class: 'error', role: 'alert', text: message }) }

// ---- API ----
export function apiKey () { return localStorage.getItem(KEY_STORE) ?? '' }
export function headers () { const k = apiKey(); return k === '' ? {} : { 'x-apikey': k } }

export class ApiFailure extends Error {
  constructor (status, code, message) { super(message); this.status = status; this.code = code }
}

export async function api (path) {
  const res = await fetch(path, { headers: headers() })
  let body
  try { body = await res.json() } catch { body = undefined }
  if (!res.ok) throw new ApiFailure(res.status, body?.error?.code ?? 'Error', body?.error?.message ?? `HTTP ${res.status}`)
  return body
}

export function failureText (err) {
  if (err instanceof ApiFailure) {
    if (err.status === 401) return `${err.code}: this node needs an API key (set it under "API key" at the top).`
    return `${err.code}: ${err.message}`
  }
  return String(err?.message ?? err)
}

export function progressBar (label) {
  const fill = el('div', { class: 'fill' })
  const pct = el('span')
  const text = el('span', { text: label })
  const node = el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 },
    el('div', { class: 'label' }, text, pct), el('div', { class: 'track' }, fill))
  return {
    node,
    set (fraction, caption) {
      const p = Math.max(0, Math.min(100, Math.round(fraction * 100)))
      fill.style.width = `${p}%`
      pct.textContent = `${p}%`
      node.setAttribute('aria-valuenow', String(p))
      if (caption !== undefined) text.textContent = caption
    }
  }
}


/** POST a urlencoded form (VirusTotal's POST /urls); a VirusTotal error object becomes an ApiFailure. */
export async function apiPostForm (path, fields) {
  const res = await fetch(path, { method: 'POST', headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) })
  let body
  try { body = await res.json() } catch { body = undefined }
  if (!res.ok) throw new ApiFailure(res.status, body?.error?.code ?? 'Error', body?.error?.message ?? `HTTP ${res.status}`)
  return body
}

/** The per-engine table of a file's or an indicator's last analysis, with the members behind each result. */
export function engineTable (a) {
  const engines = a.virusmap?.engines ?? {}
  return el('table', { id: 'engines' },
    el('thead', {}, el('tr', {}, ['engine', 'category', 'result', 'version', 'update', 'members agreeing', 'answered / registered', 'attested'].map((h) => el('th', { text: h })))),
    el('tbody', {}, Object.entries(a.last_analysis_results).map(([id, r]) => {
      const e = Object.hasOwn(engines, id) ? engines[id] : undefined
      return el('tr', {},
        el('td', { text: r.engine_name }),
        el('td', {}, el('span', { class: `pill cat-${r.category}`, text: r.category })),
        el('td', { text: r.result ?? '—' }),
        el('td', { text: r.engine_version }), el('td', { text: r.engine_update }),
        el('td', { text: e === undefined ? '' : String(e.members.length) }),
        el('td', { text: e === undefined ? '' : `${e.answered} / ${e.registered}` }),
        el('td', { text: e === undefined ? '' : e.attested ? 'yes' : 'no (not counted)' }))
    })))
}

/**
 * Puts a report's verification badge in its "checking" state and answers it: on the page's first check
 * and on every check again (a saved deployment), so no verdict stays on screen while another is made.
 */
export function checking (badge) {
  badge.className = 'badge pending'
  badge.replaceChildren(el('h3', { text: 'Checking the signatures in this browser…' }))
  return badge
}

/**
 * The parts every report page shows the same way, for a file or an indicator: the score card,
 * a pending verification badge, the category pills and the details table.
 * `what` names the object ("file", "url"…), `reported` says whether a final report exists,
 * `lines` are the card's lines under the verdict, `rows` the [label, value, mono?] details.
 */
export function reportParts (a, what, reported, lines, rows) {
  const s = a.last_analysis_stats
  const bad = s.malicious + s.suspicious
  const total = Object.keys(a.last_analysis_results).length
  const verdict = !reported ? 'No final report yet' : bad > 0 ? `${bad} engine${bad === 1 ? '' : 's'} flagged this ${what} as malicious` : `No engine flagged this ${what}`
  return {
    summary: el('div', { class: 'card summary' },
      el('div', { class: `score ${bad > 0 ? 'bad' : ''}` }, `${bad}`, el('small', { text: `/ ${total}` })),
      el('div', {}, el('div', { class: `verdict-line ${bad > 0 ? 'bad' : 'good'}`, id: 'verdict-line', text: verdict }), ...lines)),
    badge: checking(el('div', { id: 'verification' })),
    statPills: el('div', { class: 'stats', id: 'stats' }, Object.entries(s).filter(([, n]) => n > 0).map(([cat, n]) => el('span', { class: `pill cat-${cat}`, text: `${cat}: ${n}` }))),
    details: el('table', { class: 'kv' }, el('tbody', {},
      rows.map(([k, v, mono]) => el('tr', {}, el('td', { text: k }), el('td', { class: mono === true ? 'mono' : '', text: v })))))
  }
}

/** Polls an analysis until a quorum has signed, moving `bar` with the verdicts revealed; resolves to the completed analysis. */
export async function waitForAnalysis (id, bar) {
  for (;;) {
    const a = await api(`/api/v3/analyses/${id}`)
    const vm = a.data.attributes.virusmap
    bar.set(vm.member_count > 0 ? vm.verdict_count / vm.member_count : 0, `Analysis ${a.data.attributes.status}: ${vm.verdict_count} of ${vm.member_count} members have revealed`)
    if (a.data.attributes.status === 'completed') return a
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}
