/**
 * The governance page's "Your wallet" card: the wallets this browser has (EIP-6963), the connected
 * account's VMT, votes and delegate, delegation, and its rewards with their claim (rewards-card.js). One connected wallet serves every action on
 * the page; it is forgotten when the wallet changes account.
 */
import { keccak_256 as keccak } from '/web/vendor/noble-hashes/sha3.js'
import { deploymentForm, deploymentNote, pinnedDeployment } from '/web/deployment.js'
import { createGovActions } from '/web/gov-actions.js'
import { el, errorBox, failureText } from '/web/page-kit.js'
import { rewardsSection } from '/web/rewards-card.js'
import { chainIdOf, connect, discoverWallets, ensureChain } from '/web/wallet.js'

const NO_WALLET = 'No wallet found in this browser (none announced itself by EIP-6963, and there is no window.ethereum). Install one, or take part from a terminal: virusmap gov delegate | vote | queue | execute.'
const ABI_NAMES = { governor: 'VirusMapGovernor', vmt: 'VMT', registry: 'SupernodeRegistry', timelock: 'TimelockController' }
const WEI = 10n ** 18n

/** a token amount in wei (decimal string) as VMT with at most two decimals */
export function vmt (wei) {
  if (typeof wei !== 'string' || !/^[0-9]{1,78}$/.test(wei)) return '—'
  const n = BigInt(wei)
  const cents = (n % WEI) * 100n / WEI
  return `${(n / WEI).toLocaleString('en-US')}${cents === 0n ? '' : `.${String(cents).padStart(2, '0')}`} VMT`
}

/** A transaction's progress in `box`: waiting on the wallet, the hash, then the receipt or the error; resolves to the receipt or undefined. */
export async function runTx (box, what, action) {
  box.replaceChildren(el('span', { class: 'muted', text: `${what}: confirm in your wallet…` }))
  try {
    const sent = await action((hash) => {
      box.replaceChildren(el('span', { text: `${what}: sent, transaction ` }), el('span', { class: 'mono tx-hash', text: hash }), el('span', { class: 'muted', text: ' — waiting for its receipt…' }))
    })
    box.replaceChildren(el('span', { class: 'tx-done', text: `${what}: mined in block ${sent.blockNumber}, transaction ` }), el('span', { class: 'mono tx-hash', text: sent.hash }))
    return sent
  } catch (err) {
    box.replaceChildren(errorBox(`${what} failed: ${failureText(err)}`))
    return undefined
  }
}

/** discovered once per page load */
let wallets
/** { wallet, deployment, actions } of the connected wallet */
let session
let card
/** the card's transaction status: kept across re-renders, so a receipt stays on screen */
let walletStatus
let renders = 0
let abis
const listened = new WeakSet()

async function loadAbis () {
  abis ??= Promise.all(Object.entries(ABI_NAMES).map(async ([key, name]) => {
    const res = await fetch(`/web/abi/${name}.json`)
    if (!res.ok) throw new Error(`this node did not serve the ${name} ABI (HTTP ${res.status})`)
    return [key, await res.json()]
  })).then(Object.fromEntries)
  abis.catch(() => { abis = undefined })
  return await abis
}

function listen (wallet) {
  const p = wallet.provider
  if (listened.has(p) || typeof p.on !== 'function') return
  listened.add(p)
  try {
    p.on('accountsChanged', () => { if (session?.wallet === wallet) { session = undefined; void render() } })
    p.on('chainChanged', () => { void render() })
  } catch {
    // a wallet without working events: the card is read again after each action instead
  }
}

async function open (wallet) {
  const [accounts, deployment, abi] = await Promise.all([connect(wallet.provider), pinnedDeployment(), loadAbis()])
  await ensureChain(wallet.provider, deployment.chainId)
  session = { wallet, deployment, actions: createGovActions({ keccak, abis: abi, provider: wallet.provider, account: accounts[0], deployment }) }
  listen(wallet)
}

/**
 * Runs `fn(actions)` with the connected wallet, connecting the only wallet there is if none is yet;
 * says in `status` why not otherwise. The card is read again afterwards.
 */
export async function withWallet (status, fn) {
  if (session === undefined) {
    const list = await (wallets ?? Promise.resolve([]))
    if (list.length !== 1) { status.replaceChildren(errorBox(list.length === 0 ? NO_WALLET : 'Connect one of the wallets under "Your wallet" first.')); return }
    try {
      await open(list[0])
    } catch (err) {
      status.replaceChildren(errorBox(failureText(err)))
      void render()
      return
    }
  }
  await fn(session.actions)
  void render()
}

function kv (rows) {
  return el('table', { class: 'kv', id: 'wallet-info' }, el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('td', { text: k }), el('td', { class: 'mono', text: v })))))
}

function connectButtons (list, status) {
  return el('div', { class: 'wallets' }, list.map((w) => el('button', {
    type: 'button',
    class: 'primary connect-wallet',
    onclick: async () => {
      status.replaceChildren(el('span', { class: 'muted', text: `Asking ${w.name}…` }))
      try {
        await open(w)
      } catch (err) {
        status.replaceChildren(errorBox(failureText(err)))
        return
      }
      status.replaceChildren()
      void render()
    }
  }, w.icon === undefined ? '' : el('img', { src: w.icon, alt: '', width: 18, height: 18 }), `Connect ${w.name}`)))
}

function delegateControls (account, status) {
  const other = el('input', { id: 'delegate-to', placeholder: '0x… another holder', spellcheck: 'false', autocomplete: 'off', class: 'mono', 'aria-label': 'delegate to' })
  const go = (to) => withWallet(status, (actions) => runTx(status, `Delegate to ${to.trim().slice(0, 42)}`, (onHash) => actions.delegate(to, onHash)))
  return el('div', { class: 'delegate' },
    el('button', { type: 'button', class: 'primary', id: 'delegate-self', text: 'Delegate to myself', onclick: () => go(account) }),
    other,
    el('button', { type: 'button', id: 'delegate-other', text: 'Delegate', onclick: () => go(other.value) }))
}

async function render () {
  const node = card
  const turn = ++renders
  const current = () => turn === renders && node === card
  const title = el('h2', { text: 'Your wallet' })
  const status = walletStatus
  if (session === undefined) {
    node.replaceChildren(title, el('p', { class: 'muted', text: 'Looking for a wallet in this browser…' }))
    const list = await wallets
    if (!current()) return
    node.replaceChildren(title, ...(list.length === 0
      ? [el('p', { class: 'muted', id: 'no-wallet', text: NO_WALLET })]
      : [el('p', { class: 'muted', text: 'Connect a wallet to delegate, vote, queue and execute. Your wallet signs; this page shows the transaction and its receipt.' }), connectButtons(list, status), status]))
    return
  }
  const { wallet, deployment, actions } = session
  const form = deploymentForm(deployment, () => { session = undefined; void render() })
  const note = el('p', { class: 'note muted', id: 'deployment-note', text: deploymentNote(deployment) })
  let info
  try {
    const chain = await chainIdOf(wallet.provider)
    if (chain !== deployment.chainId) {
      if (!current()) return
      node.replaceChildren(title, kv([['account', actions.account], ['wallet', wallet.name]]),
        errorBox(`Your wallet is on chain ${chain}; this network is chain ${deployment.chainId}.`),
        el('button', { type: 'button', class: 'primary', id: 'switch-chain', text: `Switch to chain ${deployment.chainId}`, onclick: async () => { try { await ensureChain(wallet.provider, deployment.chainId); void render() } catch (err) { status.replaceChildren(errorBox(failureText(err))) } } }),
        status, note, form)
      return
    }
    info = await actions.status()
  } catch (err) {
    if (!current()) return
    node.replaceChildren(title, kv([['account', actions.account], ['wallet', wallet.name]]), errorBox(failureText(err)), note, form)
    return
  }
  if (!current()) return
  const delegatee = /^0x0{40}$/.test(info.delegatee) ? 'nobody: your tokens count as votes only once delegated' : info.delegatee === actions.account ? `yourself (${info.delegatee})` : info.delegatee
  node.replaceChildren(title,
    kv([['account', actions.account], ['wallet', wallet.name], ['VMT', vmt(info.balance.toString())], ['voting power', vmt(info.votes.toString())], ['delegated to', delegatee], ['token', info.token]]),
    rewardsSection({ deployment, account: actions.account, provider: wallet.provider, status, vmt, runTx, refresh: () => { void render() } }),
    delegateControls(actions.account, status), status, note, form)
}

/** Fills `node` with the wallet card, discovering this browser's wallets on first use. */
export async function renderWalletCard (node) {
  card = node
  walletStatus = el('div', { class: 'tx-status', id: 'wallet-status' })
  wallets ??= discoverWallets(window, { onLate: () => { void render() } })
  await render()
}
