// The extension's service worker: the only part that talks to the local guard. Its requests carry
// the extension's origin, the one non-loopback origin the guard serves; pages cannot reach it.
const DEFAULT_GUARD_URL = 'http://127.0.0.1:8547'
const PATHS = new Set(['/v1/transaction', '/v1/signature', '/v1/connect', '/v1/page', '/v1/sent', '/v1/scripts'])
/** the page gets its answer within 3 s whatever happens here; this only frees the fetch */
const FETCH_TIMEOUT_MS = 3500

async function guardUrl () {
  const { guardUrl: url } = await chrome.storage.local.get('guardUrl')
  // only loopback: the setting must not turn the extension into a relay of the user's transactions
  return typeof url === 'string' && /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(url) ? url : DEFAULT_GUARD_URL
}

async function ask (path, body) {
  if (!PATHS.has(path)) return { decision: 'unverified', findings: [], reason: 'unknown guard path' }
  try {
    const res = await fetch(`${await guardUrl()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS)
    })
    const json = await res.json()
    if (!res.ok) return { decision: 'unverified', findings: [], reason: `the guard refused the request: ${json?.error?.message ?? res.status}` }
    return json
  } catch (err) {
    return { decision: 'unverified', findings: [], reason: `the guard is not reachable (${err?.name ?? 'error'})` }
  }
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // only this extension's own content scripts, from a tab
  if (sender.id !== chrome.runtime.id || sender.tab === undefined || typeof message !== 'object' || message === null) return false
  ask(String(message.path), message.body).then(sendResponse)
  return true
})
