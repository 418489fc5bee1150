// `virusmap deploy`: deploys VMT, the TimelockController, the Governor, the SupernodeRegistry and
// the contributors' VestingWallets to any chain from a PLAN.json (the same deployVirusMap the
// devnet runs), then writes the deployment file nodes and clients read.
import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { formatEther } from 'ethers'
import { EXAMPLE_PLAN, deployVirusMap, parsePlan } from '#governance/index.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandArgs, CommandContext } from '../command.ts'
import { badInput, chainIdOption, connect, loadSigner, oneLine, str } from './gov-context.ts'

async function run ({ values }: CommandArgs, ctx: CommandContext): Promise<number> {
  if (values['example-plan'] === true) {
    ctx.stdout.write(JSON.stringify(EXAMPLE_PLAN, null, 2) + '\n')
    return EXIT_CODES.ok
  }
  const rpcUrl = str(values.rpc)
  const planFile = str(values.plan)
  if (rpcUrl === undefined || !URL.canParse(rpcUrl) || !/^https?:$/.test(new URL(rpcUrl).protocol)) throw badInput('--rpc URL (http or https) is required')
  if (planFile === undefined) throw badInput('--plan PLAN.json is required (see --example-plan)')
  const outFile = resolve(ctx.cwd, str(values.out) ?? 'deployment.json')
  if (existsSync(outFile) && values.force !== true) throw badInput(`${outFile} exists: pass --force to overwrite it`)
  let planJson: unknown
  try {
    planJson = JSON.parse(await readFile(resolve(ctx.cwd, planFile), 'utf8'))
  } catch (err) {
    throw badInput(`cannot read plan ${planFile}: ${(err as { code?: string }).code ?? 'not JSON'}`)
  }
  const plan = parsePlan(planJson)
  const { provider } = await connect(rpcUrl, chainIdOption(values), ctx.signal)
  try {
    const deployer = await loadSigner(values, ctx, provider)
    const balance = await provider.getBalance(deployer.address)
    if (balance === 0n) throw badInput(`the deployer ${deployer.address} has no ETH to pay for gas`)
    if (values.json !== true) ctx.stderr.write(`deploying from ${deployer.address} (${formatEther(balance)} ETH)…\n`)
    const deployment = { ...await deployVirusMap({ deployer, plan }, { signal: ctx.signal }), rpcUrl }
    await writeFile(`${outFile}.tmp`, JSON.stringify(deployment, null, 2) + '\n')
    await rename(`${outFile}.tmp`, outFile)
    const c = deployment.contracts
    ctx.stdout.write(values.json === true
      ? JSON.stringify(deployment, null, 2) + '\n'
      : `deployed on chain ${deployment.chainId} from block ${deployment.deployBlock}\n` +
        `  VMT       ${c.vmt}\n  timelock  ${c.timelock}\n  governor  ${c.governor}\n  registry  ${c.registry}\n` +
        (deployment.vesting ?? []).map((v) => `  vesting   ${v.wallet} for ${v.beneficiary}: ${formatEther(v.amount)} VMT\n`).join('') +
        `deployment file: ${outFile}\n`)
    return EXIT_CODES.ok
  } finally {
    provider.destroy()
  }
}

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'deploy the token, timelock, governor, registry and vesting wallets from a plan; write the deployment file',
  usage: 'virusmap deploy --rpc URL --keystore FILE --plan PLAN.json [--out deployment.json] [--force] [--chain-id N] [--json] | --example-plan',
  options: {
    rpc: { type: 'string' },
    keystore: { type: 'string' },
    plan: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    'chain-id': { type: 'string' },
    json: { type: 'boolean' },
    'example-plan': { type: 'boolean' }
  },
  run: async (args, ctx) => await oneLine(ctx, async () => await run(args, ctx))
}
