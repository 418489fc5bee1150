/**
 * The rewards line of the governance page's "Your wallet" card (SPEC 17): what the connected wallet can
 * claim now, proven in this browser against the root RewardsDistributor holds as settled (rewards-reads.js,
 * read from the pinned RPC), and what is pending by the node's word. The Claim button sends
 * RewardsDistributor.claim(account, cumulative, proof) through the wallet, only for a proven leaf: when the
 * node's proof does not lead to the chain's root, the card says so and offers nothing to sign.
 */
import { keccak_256 as keccak } from '/web/vendor/noble-hashes/sha3.js'
import { createAbi } from '/web/abi-codec.js'
import { api, ApiFailure, el, errorBox, failureText } from '/web/page-kit.js'
import { claimCalldata, createRewardsReads } from '/web/rewards-reads.js'
import { sendTransaction } from '/web/wallet.js'

let abi

async function rewardsAbi () {
  abi ??= fetch('/web/abi/RewardsDistributor.json').then(async (res) => {
    if (!res.ok) throw new Error(`this node did not serve the RewardsDistributor ABI (HTTP ${res.status})`)
    return createAbi(await res.json(), keccak)
  })
  abi.catch(() => { abi = undefined })
  return await abi
}

/** the node's answer's data; undefined when it has not computed that epoch (404) */
async function fetchData (path) {
  try {
    return (await api(path)).data
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) return undefined
    throw err
  }
}

/** the rewards line's text for walletRewards' answer `r` (amounts as `vmt` formats wei) */
export function rewardsText (r, vmt) {
  const pending = `pending ${vmt(r.pending.toString())} (the node's word)`
  const paid = r.claimed > 0n ? `; ${vmt(r.claimed.toString())} claimed so far` : ''
  if (r.check === 'proven') return `Rewards: claimable ${vmt(r.claimable.toString())} (proven against the on-chain root of epoch ${r.settledEpoch}${paid}), ${pending}`
  if (r.check === 'no-leaf') return `Rewards: nothing claimable (this node has no amount for you in epoch ${r.settledEpoch}, the one settled on chain${paid}), ${pending}`
  if (r.check === 'no-root') return `Rewards: nothing claimable yet (no rewards root has settled on chain), ${pending}`
  return `Rewards: this node's amount for you in epoch ${r.settledEpoch} does not match the root RewardsDistributor holds on chain, so nothing is offered to claim. Ask another node, or run virusmap claim --api <another node>.`
}

async function fill (box, ctx) {
  const { deployment, account, provider, status, vmt, runTx, refresh } = ctx
  box.replaceChildren(el('span', { class: 'muted', text: 'Rewards: reading RewardsDistributor…' }))
  try {
    if (deployment.rpcUrl === '') throw new Error('set the RPC URL of a chain node you trust (Deployment checked against, below) to see your rewards')
    const reads = createRewardsReads({ rpcUrl: deployment.rpcUrl, rewards: deployment.rewards }, fetchData, keccak)
    const r = await reads.walletRewards(account)
    const line = el('p', { id: 'rewards-line', text: rewardsText(r, vmt) })
    if (r.check === 'mismatch') { box.replaceChildren(errorBox(line.textContent)); return }
    if (r.claim === undefined) { box.replaceChildren(line); return }
    const contract = await rewardsAbi()
    const what = `Claim ${vmt(r.claimable.toString())}`
    box.replaceChildren(line, el('button', {
      type: 'button',
      class: 'primary',
      id: 'claim-rewards',
      text: what,
      onclick: async () => {
        // anyone may relay a claim: the VMT goes to the account in the leaf, whoever sends it
        const sent = await runTx(status, what, (onHash) => sendTransaction(provider, {
          chainId: deployment.chainId, from: account, to: deployment.rewards, data: claimCalldata(contract, r.claim), explain: (d) => contract.decodeError(d), onHash
        }))
        if (sent !== undefined) refresh()
      }
    }))
  } catch (err) {
    box.replaceChildren(errorBox(`Rewards: ${failureText(err)}`))
  }
}

/**
 * The rewards section for the connected `account` ({ deployment, account, provider, status, vmt, runTx,
 * refresh }), filled once read; nothing when the deployment names no RewardsDistributor.
 */
export function rewardsSection (ctx) {
  if (ctx.deployment.rewards === '' || ctx.deployment.rewards === undefined) return ''
  const box = el('div', { id: 'wallet-rewards', class: 'rewards' })
  void fill(box, ctx)
  return box
}
