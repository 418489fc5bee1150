// `virusmap claim --keystore FILE [--dry-run]`: pays a wallet the VMT the settled rewards root holds for it
// (SPEC 17). The root comes from RewardsDistributor; a node gives the cumulative amount and the Merkle
// proof for that root's epoch, and both are checked here (the node's root is the chain's, the proof leads
// to it) before a transaction is sent, so a lying node can only fail the claim, never redirect it.
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { formatEther, isAddress } from 'ethers'
import { REWARDS_LEAF_TYPES } from '#protocol/rewards/index.ts'
import { createRewardsChain } from '../../rewards/rewards-chain.ts'
import { CliError } from '../cli-error.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { fetchRewardsAccount } from '../rewards-fetch.ts'
import { API_OPTIONS, resolveApiTarget } from '../target.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { badInput, chainIdOption, connect, loadGovDeployment, loadSigner, oneLine, str } from './gov-context.ts'

const USAGE = `virusmap claim --keystore FILE [--for ADDRESS] [--dry-run] [--api URL] [--apikey KEY] [--deployment FILE] [--rpc URL] [--chain-id N] [--json] [--timeout S]
  claims, for the keystore's wallet, what RewardsDistributor's settled root holds for it minus what it was paid;
  the proof comes from a node (--api, else the deployment's first) and is checked against the chain's root first
  --for ADDRESS: claim for that wallet instead, the keystore's paying the gas (the VMT goes to ADDRESS)
  --dry-run: show what a claim would pay, send nothing
  passphrase from $VIRUSMAP_KEYSTORE_PASSWORD or a prompt`

async function run (values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  if (str(values.keystore) === undefined && ctx.env.VIRUSMAP_KEYSTORE === undefined) throw badInput('claim signs: pass --keystore FILE (or set VIRUSMAP_KEYSTORE)')
  const forAccount = str(values.for)
  if (forAccount !== undefined && !isAddress(forAccount)) throw badInput(`--for takes a 0x address, not ${terminalText(forAccount).slice(0, 50)}`)
  const deployment = await loadGovDeployment(values, ctx)
  const expected = chainIdOption(values)
  if (expected !== undefined && expected !== deployment.chainId) throw badInput(`wrong chain: --chain-id ${expected} but ${deployment.file} is for chain ${deployment.chainId}`)
  const address = deployment.contracts.rewards
  if (address === undefined) throw badInput(`${deployment.file} names no RewardsDistributor (contracts.rewards): the deployment predates rewards`)
  const target = await resolveApiTarget(values, ctx)
  const { provider } = await connect(deployment.rpcUrl, deployment.chainId, ctx.signal)
  try {
    const wallet = await loadSigner(values, ctx, provider)
    const account = (forAccount ?? wallet.address).toLowerCase() as `0x${string}`
    const chain = createRewardsChain({ provider, address, signer: wallet })
    const { settled } = await chain.roots({ signal: ctx.signal })
    if (settled === undefined) throw new CliError('NOT_FOUND', 'no rewards root has settled on chain yet: nothing is claimable')
    const r = await fetchRewardsAccount(target, settled.epoch, account, ctx)
    if (r.root !== settled.root) {
      throw new CliError('VERIFICATION_FAILED', `${target.api} computed root ${terminalText(String(r.root))} for epoch ${settled.epoch}, but the chain's settled root is ${settled.root}: ask another node (--api)`)
    }
    if (r.cumulative > 0n && !StandardMerkleTree.verify(settled.root, [...REWARDS_LEAF_TYPES], [account, r.cumulative.toString()], r.proof)) {
      throw new CliError('VERIFICATION_FAILED', `${target.api}'s proof of ${account}'s ${r.cumulative} wei does not lead to the settled root of epoch ${settled.epoch}`)
    }
    const claimed = await chain.claimed(account, { signal: ctx.signal })
    const claimable = r.cumulative > claimed ? r.cumulative - claimed : 0n
    const out = { account, epoch: settled.epoch, root: settled.root, cumulative: r.cumulative.toString(), claimed: claimed.toString(), claimable: claimable.toString() }
    if (claimable === 0n || values['dry-run'] === true) {
      ctx.stdout.write(values.json === true
        ? `${terminalJson({ ...out, sent: false }, 2)}\n`
        : `${account}: ${formatEther(r.cumulative)} VMT in the root of epoch ${settled.epoch}, ${formatEther(claimed)} paid, ${formatEther(claimable)} VMT claimable${claimable === 0n ? '' : ' (dry run: nothing sent)'}\n`)
      return EXIT_CODES.ok
    }
    const paid = await chain.claim(account, r.cumulative, r.proof, { signal: ctx.signal }).catch((err: unknown) => {
      // a submitter's wallet often holds VMT only: say so, and that any funded key may relay the claim
      if ((err as { code?: string }).code === 'INSUFFICIENT_FUNDS') throw badInput(`${wallet.address.toLowerCase()} holds no ETH for the claim's gas: fund it, or have any funded key relay it (virusmap claim --keystore FUNDED --for ${account}; the VMT goes to ${account} either way)`)
      throw err
    })
    ctx.stdout.write(values.json === true
      ? `${terminalJson({ ...out, sent: true, paid: paid.amount.toString(), tx: paid.tx, block: paid.block }, 2)}\n`
      : `claimed ${formatEther(paid.amount)} VMT for ${account} (epoch ${settled.epoch}) at block ${paid.block}, tx ${paid.tx}\n`)
    return EXIT_CODES.ok
  } finally {
    provider.destroy()
  }
}

export const claimCommand: Command = {
  name: 'claim',
  summary: 'claim a wallet\'s VMT rewards from RewardsDistributor with a proof checked against the chain\'s root',
  usage: USAGE,
  options: { ...API_OPTIONS, keystore: { type: 'string' }, for: { type: 'string' }, rpc: { type: 'string' }, 'chain-id': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => {
    if (positionals.length > 0) throw badInput(`unexpected arguments: ${terminalText(positionals.join(' ')).slice(0, 80)}`)
    return await run(values, ctx)
  })
}
