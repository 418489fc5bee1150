/**
 * The user's own wallet, as Governor front-ends reach it: EIP-6963 discovery (announce/request
 * events on window; window.ethereum when nothing announces), EIP-1193 requests, the chain check
 * before anything is sent (wallet_switchEthereumChain when it is another chain), a simulation of
 * the call, then eth_sendTransaction and the receipt. Every wallet answer is checked before use:
 * a wallet is another party's code, and its failures become a WalletError with a plain message.
 */
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/
const TX_HASH = /^0x[0-9a-fA-F]{64}$/
const DATA = /^0x(?:[0-9a-fA-F]{2})*$/
/** reads the wallet should answer at once; signing waits on the user and has no limit */
const READ_TIMEOUT_MS = 30_000
const RECEIPT_POLL_MS = 1000
const RECEIPT_TIMEOUT_MS = 15 * 60_000

/** What went wrong with the wallet, by code: NO_WALLET | REJECTED | WRONG_CHAIN | UNKNOWN_CHAIN | BAD_ANSWER | REQUEST_FAILED | REVERTED | TIMEOUT */
export class WalletError extends Error {
  name = 'WalletError'
  constructor (code, message) { super(message); this.code = code }
}

/** text from a wallet, cut short and on one line, for a message */
const quote = (value) => String(value).replace(/\s+/g, ' ').slice(0, 160)

/** Revert data somewhere in a wallet's error, as the common wallets and nodes nest it. */
export function revertData (err) {
  for (const d of [err?.data, err?.data?.data, err?.data?.originalError?.data, err?.error?.data, err?.cause?.data]) {
    if (typeof d === 'string' && DATA.test(d) && d.length >= 10) return d
  }
  return undefined
}

/** A thrown EIP-1193 error as a WalletError (4001 rejected, 4100 unauthorized, 4200 unsupported, 4900/4901 disconnected). */
export function walletError (method, err) {
  if (err instanceof WalletError) return err
  const code = typeof err === 'object' && err !== null ? err.code : undefined
  const said = typeof err?.message === 'string' && err.message !== '' ? `: ${quote(err.message)}` : ''
  if (code === 4001) return new WalletError('REJECTED', `You rejected the request in your wallet (${method}).`)
  if (code === 4100) return new WalletError('REJECTED', `Your wallet has not authorized this page for ${method}: connect it first.`)
  if (code === 4200) return new WalletError('REQUEST_FAILED', `Your wallet does not support ${method}.`)
  if (code === 4900 || code === 4901) return new WalletError('REQUEST_FAILED', `Your wallet is disconnected from the chain${said}.`)
  if (code === -32002) return new WalletError('REQUEST_FAILED', 'Your wallet already has a request from this page waiting: open the wallet and answer it.')
  const e = new WalletError('REQUEST_FAILED', `Your wallet failed ${method}${said || (err === undefined || err === null ? '' : `: ${quote(typeof err === 'object' ? JSON.stringify(err) : err)}`)}.`)
  e.revertData = revertData(err)
  e.rpcCode = code
  return e
}

/** One EIP-1193 request; reads time out, requests that wait on the user do not. */
export async function request (provider, method, params, { wait = false } = {}) {
  let timer
  try {
    const answer = provider.request({ method, ...(params === undefined ? {} : { params }) })
    if (wait) return await answer
    return await Promise.race([answer, new Promise((_resolve, reject) => {
      timer = setTimeout(() => { reject(new WalletError('TIMEOUT', `Your wallet did not answer ${method} within ${READ_TIMEOUT_MS / 1000} s.`)) }, READ_TIMEOUT_MS)
    })])
  } catch (err) {
    throw walletError(method, err)
  } finally {
    clearTimeout(timer)
  }
}

const badAnswer = (method, value) => new WalletError('BAD_ANSWER', `Your wallet answered ${method} with something that is not what it asks for (${quote(typeof value === 'object' ? JSON.stringify(value) : value)}).`)

/** An EIP-6963 announcement's detail, checked; undefined for anything else. */
export function announced (detail) {
  const info = detail?.info
  if (typeof detail?.provider?.request !== 'function' || typeof info?.uuid !== 'string' || typeof info?.name !== 'string') return undefined
  return {
    uuid: info.uuid.slice(0, 100),
    name: info.name.slice(0, 60) || 'unnamed wallet',
    // only an image data URI, as EIP-6963 requires: nothing is fetched from elsewhere
    icon: typeof info.icon === 'string' && /^data:image\/(?:png|jpeg|gif|webp|svg\+xml)[;,]/.test(info.icon) && info.icon.length < 100_000 ? info.icon : undefined,
    rdns: typeof info.rdns === 'string' ? info.rdns.slice(0, 100) : '',
    provider: detail.provider
  }
}

/**
 * The wallets in this page (EIP-6963), each { uuid, name, icon, rdns, provider }; window.ethereum
 * when none announces within `waitMs`. `onLate` hears wallets that announce afterwards.
 */
export async function discoverWallets (win, { waitMs = 250, onLate } = {}) {
  const found = new Map()
  let settled = false
  win.addEventListener('eip6963:announceProvider', (event) => {
    const w = announced(event.detail)
    if (w === undefined || found.has(w.uuid)) return
    found.set(w.uuid, w)
    if (settled) onLate?.(w)
  })
  win.dispatchEvent(new Event('eip6963:requestProvider'))
  await new Promise((resolve) => setTimeout(resolve, waitMs))
  settled = true
  if (found.size === 0 && typeof win.ethereum?.request === 'function') {
    return [{ uuid: 'window.ethereum', name: win.ethereum.isMetaMask === true ? 'MetaMask (window.ethereum)' : 'browser wallet (window.ethereum)', icon: undefined, rdns: '', provider: win.ethereum }]
  }
  return [...found.values()]
}

/** The wallet's accounts after asking the user to connect; the first is the one used. */
export async function connect (provider) {
  const accounts = await request(provider, 'eth_requestAccounts', undefined, { wait: true })
  if (!Array.isArray(accounts) || accounts.length === 0 || !accounts.every((a) => typeof a === 'string' && ADDRESS.test(a))) {
    if (Array.isArray(accounts) && accounts.length === 0) throw new WalletError('REJECTED', 'Your wallet shared no account with this page.')
    throw badAnswer('eth_requestAccounts', accounts)
  }
  return accounts.map((a) => a.toLowerCase())
}

export async function chainIdOf (provider) {
  const id = await request(provider, 'eth_chainId')
  if (typeof id !== 'string' || !QUANTITY.test(id)) throw badAnswer('eth_chainId', id)
  return Number(BigInt(id))
}

/** Makes sure the wallet is on `chainId`, asking it to switch if not (EIP-3326). */
export async function ensureChain (provider, chainId) {
  const current = await chainIdOf(provider)
  if (current === chainId) return
  try {
    await request(provider, 'wallet_switchEthereumChain', [{ chainId: `0x${chainId.toString(16)}` }], { wait: true })
  } catch (err) {
    if (err.code === 'REJECTED') throw new WalletError('WRONG_CHAIN', `Your wallet is on chain ${current}, this network is chain ${chainId}, and the switch was declined: switch your wallet to chain ${chainId}.`)
    const inner = err.rpcCode === 4902 || /unrecognized chain|unknown chain/i.test(err.message) ? 'UNKNOWN_CHAIN' : 'WRONG_CHAIN'
    throw new WalletError(inner, inner === 'UNKNOWN_CHAIN'
      ? `Your wallet does not know chain ${chainId}: add it to the wallet (with the RPC URL you pinned), then try again.`
      : `Your wallet is on chain ${current}, this network is chain ${chainId}, and it could not switch (${err.message}).`)
  }
  const after = await chainIdOf(provider)
  if (after !== chainId) throw new WalletError('WRONG_CHAIN', `Your wallet is still on chain ${after}, not chain ${chainId}.`)
}

/** eth_call through the wallet; a revert's data comes back on the WalletError as revertData. */
export async function call (provider, to, data, from) {
  const out = await request(provider, 'eth_call', [{ to, data, ...(from === undefined ? {} : { from }) }, 'latest'])
  if (typeof out !== 'string' || !DATA.test(out)) throw badAnswer('eth_call', out)
  return out
}

export async function latestTimestamp (provider) {
  const block = await request(provider, 'eth_getBlockByNumber', ['latest', false])
  if (typeof block?.timestamp !== 'string' || !QUANTITY.test(block.timestamp)) throw badAnswer('eth_getBlockByNumber', block)
  return Number(BigInt(block.timestamp))
}

/**
 * Sends { to, data } from `from` on `chainId`: the chain check, a simulation (a revert is
 * explained by `explain(revertData)` before the wallet is asked to sign), the transaction, then
 * its receipt. `onHash` hears the hash as soon as the wallet gives it. Resolves to { hash, blockNumber }.
 */
export async function sendTransaction (provider, { chainId, from, to, data, explain, onHash, signal }) {
  await ensureChain(provider, chainId)
  try {
    await call(provider, to, data, from)
  } catch (err) {
    // only a revert means the chain refuses; any other failure is the wallet's, said as such
    if (err.code !== 'REQUEST_FAILED' || (err.revertData === undefined && !/revert/i.test(err.message))) throw err
    const reason = err.revertData === undefined ? undefined : explain(err.revertData)
    throw new WalletError('REVERTED', `The chain would refuse this transaction${reason === undefined ? ` (${err.message})` : `: ${reason}`}. Nothing was sent.`)
  }
  const hash = await request(provider, 'eth_sendTransaction', [{ from, to, data }], { wait: true })
  if (typeof hash !== 'string' || !TX_HASH.test(hash)) throw badAnswer('eth_sendTransaction', hash)
  onHash?.(hash.toLowerCase())
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS
  for (;;) {
    signal?.throwIfAborted()
    const receipt = await request(provider, 'eth_getTransactionReceipt', [hash])
    if (receipt !== null && receipt !== undefined) {
      if (typeof receipt !== 'object' || typeof receipt.status !== 'string' || typeof receipt.blockNumber !== 'string' || !QUANTITY.test(receipt.blockNumber)) throw badAnswer('eth_getTransactionReceipt', receipt)
      const blockNumber = Number(BigInt(receipt.blockNumber))
      if (receipt.status !== '0x1') throw new WalletError('REVERTED', `Transaction ${hash} was mined in block ${blockNumber} but reverted.`)
      return { hash: hash.toLowerCase(), blockNumber }
    }
    if (Date.now() > deadline) throw new WalletError('TIMEOUT', `Transaction ${hash} is not mined after ${RECEIPT_TIMEOUT_MS / 60_000} minutes; look it up in your wallet.`)
    await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS))
  }
}
