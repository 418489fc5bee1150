// `virusmap deposit --keystore FILE [--amount VMT [--for ADDRESS] | --withdraw VMT]`: a submitter's deposit in
// SubmissionDeposits (SPEC 17, rule 0). A signed report earns only if its wallet's deposit covers
// rewardSubmissionDeposit at its epoch's end; each report uses one until paid, then gets back what it earned
// up to the deposit. Without --amount or --withdraw it shows the wallet's deposit and what a report needs.
import { Contract, formatEther, isAddress, parseEther } from 'ethers'
import { depositsArtifact, vmtArtifact } from '#governance/artifacts.ts'
import { depositRequired } from '../../rewards/deposit-required.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { badInput, chainIdOption, connect, loadGovDeployment, loadSigner, oneLine, str } from './gov-context.ts'

const USAGE = `virusmap deposit --keystore FILE [--amount VMT [--for ADDRESS]] [--withdraw VMT] [--deployment FILE] [--rpc URL] [--chain-id N] [--json] [--timeout S]
  shows the keystore's wallet's submission deposit and what a signed report needs (rewardSubmissionDeposit);
  --amount VMT: approve and lock VMT as the deposit of the wallet (or of --for ADDRESS);
  --withdraw VMT: ask VMT of the wallet's deposit back: it backs no report from now on and is paid back
  through the rewards tree (virusmap claim) once its epoch is paid, out of what the wallet's reports left
  passphrase from $VIRUSMAP_KEYSTORE_PASSWORD or a prompt`

function vmtAmount (text: OptionValue, flag: string): bigint | undefined {
  const s = str(text)
  if (s === undefined) return undefined
  let wei: bigint
  try {
    wei = parseEther(s)
  } catch {
    throw badInput(`--${flag} must be an amount of VMT such as 8 or 0.5, not ${terminalText(s).slice(0, 40)}`)
  }
  if (wei <= 0n) throw badInput(`--${flag} must be more than 0 VMT`)
  return wei
}

async function run (values: Record<string, OptionValue>, ctx: CommandContext): Promise<number> {
  const amount = vmtAmount(values.amount, 'amount')
  const withdraw = vmtAmount(values.withdraw, 'withdraw')
  if (amount !== undefined && withdraw !== undefined) throw badInput('pass --amount or --withdraw, not both')
  const forAccount = str(values.for)
  if (forAccount !== undefined && (amount === undefined || !isAddress(forAccount))) throw badInput('--for takes an address, with --amount')
  if (str(values.keystore) === undefined && ctx.env.VIRUSMAP_KEYSTORE === undefined) throw badInput('deposit reads the wallet: pass --keystore FILE (or set VIRUSMAP_KEYSTORE)')
  const deployment = await loadGovDeployment(values, ctx)
  const expected = chainIdOption(values)
  if (expected !== undefined && expected !== deployment.chainId) throw badInput(`wrong chain: --chain-id ${expected} but ${deployment.file} is for chain ${deployment.chainId}`)
  const address = deployment.contracts.deposits
  if (address === undefined) throw badInput(`${deployment.file} names no SubmissionDeposits (contracts.deposits): the deployment predates submission deposits`)
  const { provider } = await connect(deployment.rpcUrl, deployment.chainId, ctx.signal)
  try {
    const wallet = await loadSigner(values, ctx, provider)
    const account = (forAccount ?? wallet.address).toLowerCase()
    const deposits = new Contract(address, depositsArtifact.abi, wallet)
    let tx: string | undefined
    if (amount !== undefined) {
      const vmt = new Contract(deployment.contracts.vmt, vmtArtifact.abi, wallet)
      const held = await vmt.getFunction('balanceOf')(wallet.address) as bigint
      if (held < amount) throw badInput(`${wallet.address.toLowerCase()} holds ${formatEther(held)} VMT, less than --amount ${formatEther(amount)}`)
      await (await vmt.getFunction('approve')(address, amount)).wait()
      tx = (await (await deposits.getFunction('deposit')(account, amount)).wait())?.hash
    }
    if (withdraw !== undefined) {
      const [deposited, requested] = await deposits.getFunction('totals')(account) as [bigint, bigint]
      if (requested + withdraw > deposited) throw badInput(`${account} can ask back at most ${formatEther(deposited - requested)} VMT`)
      tx = (await (await deposits.getFunction('requestWithdrawal')(withdraw)).wait())?.hash
    }
    const [deposited, requested] = await deposits.getFunction('totals')(account) as [bigint, bigint]
    const needed = await depositRequired(deployment.contracts.parameters, provider)
    const out = { account, deposited: deposited.toString(), withdrawalsRequested: requested.toString(), locked: (deposited - requested).toString(), perReport: needed.toString(), ...(tx === undefined ? {} : { tx }) }
    ctx.stdout.write(values.json === true
      ? `${terminalJson(out, 2)}\n`
      : `${account}: ${formatEther(deposited - requested)} VMT locked (${formatEther(deposited)} deposited, ${formatEther(requested)} asked back); a signed report needs ${formatEther(needed)} VMT${needed === 0n ? ' (no deposit needed)' : ''}${tx === undefined ? '' : `; tx ${tx}`}\n`)
    return EXIT_CODES.ok
  } finally {
    provider.destroy()
  }
}

export const depositCommand: Command = {
  name: 'deposit',
  summary: 'lock VMT as a submitter\'s deposit (a signed report earns only with one), show it, or ask it back',
  usage: USAGE,
  options: { keystore: { type: 'string' }, deployment: { type: 'string' }, rpc: { type: 'string' }, 'chain-id': { type: 'string' }, amount: { type: 'string' }, for: { type: 'string' }, withdraw: { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => {
    if (positionals.length > 0) throw badInput(`unexpected arguments: ${terminalText(positionals.join(' ')).slice(0, 80)}`)
    return await run(values, ctx)
  })
}
