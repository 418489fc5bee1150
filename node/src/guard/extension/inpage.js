// Main-world half of the content script, at document start: patches request, send and sendAsync
// in place on window.ethereum, its providers and every EIP-6963-announced provider; asks the
// local guard (through the bridge) before a wallet prompt; shows the reasons; a refused request
// gets EIP-1193 error 4001. The guard down: the request passes within 3 s, marked unverified.
// One function run once: a main-world script must not leak names into the page's global scope,
// so its helpers live in it even where they capture nothing.
/* eslint-disable unicorn/consistent-function-scoping */
;(() => {
  const PATCHED = Symbol.for('virusmap-guard.patched')
  if (window[PATCHED]) return
  window[PATCHED] = true

  const CONNECT = new Set(['eth_requestAccounts', 'wallet_requestPermissions', 'wallet_switchEthereumChain', 'wallet_addEthereumChain'])
  const SIGN = new Set(['eth_sign', 'personal_sign', 'eth_signTypedData_v4', 'eth_signTypedData_v3'])
  const ANSWER_MS = 3000
  const MAX_SCRIPTS = 64
  const MAX_SCRIPT_BYTES = 4 * 1024 * 1024
  /** bodies kept for the guard to ask for after a reported block (its limit), and in all */
  const MAX_KEPT_BYTES = 256 * 1024
  const MAX_KEPT_TOTAL = 4 * 1024 * 1024
  /** a request this soon after the user's own click or key counts as gestured */
  const GESTURE_MS = 1500

  // The gesture is the user's trusted input seen here, not navigator.userActivation: Chromium
  // reports activation after a browser-initiated navigation (and after automation's evaluate), so
  // prompts a page fires at load looked gestured. Listening first, on window's capture phase,
  // no page listener can hide an event from this one, and none can forge isTrusted.
  let lastInput = -Infinity
  for (const type of ['pointerdown', 'keydown', 'touchstart']) {
    // a click on the guard's own overlay (its proceed or cancel) is no gesture toward the page's next prompt
    window.addEventListener(type, (event) => { if (event.isTrusted && event.target?.localName !== 'virusmap-guard-overlay') lastInput = performance.now() }, { capture: true, passive: true })
  }

  // --- the private channel to the bridge ---------------------------------------------------
  // Either content script may run first: this one says hello with a port at once, and once more
  // if the bridge announces itself before any port was acknowledged. Answers count only on the
  // port the bridge acknowledged.
  let active
  let connected
  const ready = new Promise((resolve) => { connected = resolve })
  let nextId = 1
  const waiting = new Map()
  const open = () => {
    const channel = new MessageChannel()
    channel.port1.addEventListener('message', (event) => {
      const data = event.data ?? {}
      if (data.ready === true) { active ??= channel.port1; connected(); return }
      if (channel.port1 !== active) return
      waiting.get(data.id)?.(data.answer)
      waiting.delete(data.id)
    })
    channel.port1.start()
    window.postMessage('virusmap-guard:hello', '*', [channel.port2])
  }
  open()
  let reopened = false
  window.addEventListener('message', (event) => {
    if (event.source === window && event.data === 'virusmap-guard:bridge-ready' && active === undefined && !reopened) {
      reopened = true
      open()
    }
  })

  /** the guard's answer, or unverified after ANSWER_MS: a guard that is down never holds a prompt */
  const ask = (path, body) => new Promise((resolve) => {
    const id = nextId++
    const timer = setTimeout(() => { waiting.delete(id); resolve({ decision: 'unverified', findings: [], reason: 'the guard did not answer in time' }) }, ANSWER_MS)
    waiting.set(id, (answer) => { clearTimeout(timer); resolve(answer ?? { decision: 'unverified', findings: [] }) })
    // a request fired at load may come before the bridge acknowledged: it waits, within the same limit
    ready.then(() => {
      // eslint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort takes no origin
      active.postMessage({ id, path, body })
    })
  })

  // --- what the page is: its origin and the sha256 of its scripts ---------------------------
  const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('')
  const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes))
  let hashed = { count: -1, hashes: Promise.resolve([]) }
  /** hash -> body of the small scripts hashed, for a reported block's upload */
  const kept = new Map()
  let keptBytes = 0
  const keep = (hash, bytes) => {
    if (bytes.byteLength > MAX_KEPT_BYTES || keptBytes + bytes.byteLength > MAX_KEPT_TOTAL || kept.has(hash)) return
    kept.set(hash, bytes)
    keptBytes += bytes.byteLength
  }
  const scriptHashes = () => {
    const scripts = [...document.scripts].slice(0, MAX_SCRIPTS)
    if (scripts.length === hashed.count) return hashed.hashes
    const hashes = Promise.all(scripts.map(async (s) => {
      try {
        const body = s.src === '' ? new TextEncoder().encode(s.textContent ?? '') : await (await fetch(s.src, { cache: 'force-cache', credentials: 'same-origin' })).arrayBuffer()
        if (body.byteLength > MAX_SCRIPT_BYTES) return undefined
        const hash = await sha256(body)
        keep(hash, new Uint8Array(body))
        return hash
      } catch {
        return undefined
      }
    })).then((list) => [...new Set(list.filter((h) => h !== undefined))])
    hashed = { count: scripts.length, hashes }
    return hashes
  }
  // The document's own origin: an about:blank or srcdoc frame has its creator's, where
  // location.origin would say "null". A frame also names the origins around it, nearest first, so
  // a listed page framing a clean dapp is still judged by the page the user sees.
  const ancestors = () => [...(location.ancestorOrigins ?? [])].slice(0, 8)
  const documentOrigin = () => self.origin !== 'null' ? self.origin : (ancestors()[0] ?? location.origin)
  // the URL without query or fragment: what a report to the network may name (--report-to)
  const pageContext = async (gesture) => ({
    origin: documentOrigin(),
    ...location.origin === self.origin ? { url: location.origin + location.pathname } : {},
    ...window.top === window ? {} : { ancestors: ancestors() },
    scriptHashes: await scriptHashes(),
    ...gesture === undefined ? {} : { gesture }
  })

  /** the bodies of the scripts a reported block names (the user ran the guard with --report-to) */
  const base64 = (bytes) => {
    let text = ''
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(text)
  }
  const uploadAsked = (answer) => {
    for (const hash of Array.isArray(answer?.uploadScripts) ? answer.uploadScripts.slice(0, 8) : []) {
      const bytes = kept.get(hash)
      if (bytes !== undefined) ask('/v1/scripts', { sha256: hash, base64: base64(bytes) }).catch(() => {})
    }
  }

  // --- the overlay ---------------------------------------------------------------------------
  const text = (tag, content, style) => { const e = document.createElement(tag); e.textContent = content; if (style) e.style.cssText = style; return e }
  /** resolves true when the user proceeds; only trusted clicks count, so page scripts cannot click through */
  const showOverlay = (answer, what) => new Promise((resolve) => {
    const host = document.createElement('virusmap-guard-overlay')
    const root = host.attachShadow({ mode: 'open' })
    const block = answer.decision === 'block'
    const box = document.createElement('div')
    box.setAttribute('role', 'alertdialog')
    box.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(0,0,0,.6);display:flex;align-items:center;justify-content:center;font:15px system-ui,sans-serif'
    const card = document.createElement('div')
    card.style.cssText = `max-width:520px;background:#fff;color:#111;border-radius:10px;padding:20px;border-top:6px solid ${block ? '#c62828' : '#ef8f00'}`
    card.append(text('h2', block ? 'VirusMap blocked this request' : 'VirusMap warns about this request', 'margin:0 0 8px;font-size:19px'))
    card.append(text('p', `${location.host} asks your wallet: ${what}`, 'margin:0 0 10px'))
    const list = document.createElement('ul')
    list.className = 'findings'
    for (const f of (answer.findings ?? []).filter((x) => x.level !== 'info')) {
      const li = text('li', `${f.message} `)
      li.dataset.id = f.id
      li.append(text('code', `(${f.id})`, 'color:#666'))
      list.append(li)
    }
    card.append(list)
    const buttons = document.createElement('div')
    buttons.style.cssText = 'display:flex;gap:10px;justify-content:flex-end;margin-top:14px'
    const cancel = text('button', 'Cancel', 'padding:8px 16px;font-weight:600')
    cancel.className = 'cancel'
    const proceed = text('button', block ? 'I understand the risk, proceed' : 'Continue', 'padding:8px 16px')
    proceed.className = 'proceed'
    buttons.append(proceed, cancel)
    card.append(buttons)
    box.append(card)
    root.append(box)
    const done = (ok) => (event) => {
      if (!event.isTrusted) return
      host.remove()
      resolve(ok)
    }
    cancel.addEventListener('click', done(false))
    proceed.addEventListener('click', done(true))
    document.documentElement.append(host)
    cancel.focus()
  })

  const rejected = () => Object.assign(new Error('VirusMap guard: the user rejected the request'), { code: 4001 })

  /** asks the guard about a judged request; throws 4001 when the user does not proceed */
  async function judge (args) {
    const method = args?.method
    const params = Array.isArray(args?.params) ? args.params : []
    const gesture = performance.now() - lastInput < GESTURE_MS
    let path
    let body
    if (CONNECT.has(method)) { path = '/v1/connect'; body = { method } }
    else if (method === 'eth_sendTransaction') { path = '/v1/transaction'; body = { tx: params[0] } }
    else if (SIGN.has(method)) { path = '/v1/signature'; body = { method, params } }
    else return false
    const answer = await ask(path, { ...body, page: await pageContext(gesture) })
    uploadAsked(answer)
    if (answer.decision === 'unverified') console.info('VirusMap guard: unverified', method, answer.reason ?? '')
    if ((answer.decision === 'block' || answer.decision === 'warn') && !await showOverlay(answer, method)) throw rejected()
    return method === 'eth_sendTransaction'
  }

  /** a send the wallet returned a hash for was confirmed by the user: its recipients become past recipients */
  const sent = (args) => { ask('/v1/sent', { tx: args.params[0] }).catch(() => {}) }

  function wrap (provider) {
    if (provider === null || typeof provider !== 'object' || provider[PATCHED]) return
    try {
      const request = typeof provider.request === 'function' ? provider.request.bind(provider) : undefined
      const send = typeof provider.send === 'function' ? provider.send.bind(provider) : undefined
      const sendAsync = typeof provider.sendAsync === 'function' ? provider.sendAsync.bind(provider) : undefined
      if (request !== undefined) {
        provider.request = async (args) => {
          const isSend = await judge(args)
          const result = await request(args)
          if (isSend) sent(args)
          return result
        }
      }
      if (sendAsync !== undefined) {
        provider.sendAsync = (payload, callback) => {
          judge(payload).then(
            (isSend) => sendAsync(payload, (err, res) => { if (isSend && err == null) sent(payload); callback(err, res) }),
            (err) => callback(err, { id: payload?.id, jsonrpc: '2.0', error: { code: 4001, message: err.message } })
          )
        }
      }
      if (send !== undefined) {
        provider.send = (a, b) => {
          // send(method, params) is request by another name; send(payload, callback) is sendAsync's
          if (typeof a === 'string') return provider.request({ method: a, params: b })
          if (typeof b === 'function' && provider.sendAsync !== undefined) return provider.sendAsync(a, b)
          return send(a, b)
        }
      }
      provider[PATCHED] = true
      if (Array.isArray(provider.providers)) provider.providers.forEach(wrap)
    } catch (err) {
      console.warn('VirusMap guard: cannot patch a provider', err)
    }
  }

  // window.ethereum now, whenever it is assigned, and after load (a wallet that defines it anew)
  let current = window.ethereum
  wrap(current)
  try {
    Object.defineProperty(window, 'ethereum', { configurable: true, enumerable: true, get: () => current, set: (v) => { current = v; wrap(v) } })
  } catch {
    // a wallet made it non-configurable first; wrapped above and again on load
  }
  window.addEventListener('DOMContentLoaded', () => { wrap(window.ethereum) })
  window.addEventListener('load', () => { wrap(window.ethereum) })
  window.addEventListener('eip6963:announceProvider', (event) => { wrap(event.detail?.provider) })

  // the page visit itself (the patent's page scene): a listed domain or script warns at once
  window.addEventListener('load', () => {
    pageContext(undefined).then((page) => ask('/v1/page', { page })).then((answer) => {
      uploadAsked(answer)
      if (answer.decision === 'block') showOverlay(answer, 'nothing yet: this page is on the malicious list').catch(() => {})
    }).catch(() => {})
  })
})()
