// `virusmap gov propose KIND ...`: the actions and default description of each kind of proposal,
// checked against the chain before anything is sent (a bad action would only revert at execution).
import { encodeBytes32String, isHexString, parseEther } from 'ethers'
import { fundActions, membershipActions, parseEngineList, priceActions, rewardDefaultsActions, setEnginesActions, setParamActions, vendorActions } from '#governance/index.ts'
import type { Actions, Gov } from '#governance/index.ts'
import type { CommandArgs } from '../command.ts'
import { address, badInput, str, strs } from './gov-context.ts'
import type { GovDeployment } from './gov-context.ts'
import { formatVmt } from './gov-render.ts'

export const PROPOSE_USAGE = `
  propose admit|remove OPERATOR...        propose admitting/removing supernodes
  propose set-engines OPERATOR IDS        declare an operator's engines (comma-separated, e.g. ClamAV,YARA; "" for none)
  propose set-param NAME VALUE            termBlocks, maxMembers, candidateBond (VMT) or a network parameter
  propose reward-defaults KEY...          set governed reward parameters (e.g. rewardSubmissionDeposit rewardSubmissionFee) to this release's defaults
  propose fund ADDRESS AMOUNT             pay VMT from the treasury (the timelock)
  propose vendor ADDRESS... [--revoke]    approve (or revoke) vendors on the DataMarket
  propose price PRODUCT AMOUNT            price a DataMarket product in VMT (sample, ...; 0 takes it off sale)
  propose call --target A [--value WEI] --calldata HEX (repeatable)   a raw proposal
      [--description TEXT]  (a "#proposer=YOU" suffix is added, so nobody can front-run it)`

async function isCandidate (gov: Gov, operator: string): Promise<boolean> {
  const [, , , registeredAt] = await gov.registry.getFunction('candidate')(operator) as [string, string, string, bigint]
  return registeredAt !== 0n
}

/** What `gov propose ARGS` would propose; `--description` overrides the default text. */
export async function proposalFor (args: string[], values: CommandArgs['values'], gov: Gov, deployment: GovDeployment): Promise<{ actions: Actions, description: string }> {
  const [kind, ...rest] = args
  const description = str(values.description)
  if (kind === 'admit' || kind === 'remove') {
    if (rest.length === 0) throw badInput(`gov propose ${kind} needs at least one operator address`)
    const operators = rest.map((a) => address(a, 'an operator'))
    for (const op of operators) {
      const member = await gov.registry.getFunction('isMember')(op) as boolean
      if (kind === 'admit' && !await isCandidate(gov, op)) throw badInput(`${op} has not registered as a candidate (it must call register first)`)
      if (kind === 'admit' && member) throw badInput(`${op} is already a member`)
      if (kind === 'remove' && !member) throw badInput(`${op} is not a member`)
    }
    return {
      actions: membershipActions(deployment.contracts.registry, kind, operators),
      description: description ?? `${kind === 'admit' ? 'Admit' : 'Remove'} supernode${operators.length > 1 ? 's' : ''} ${operators.join(', ')}`
    }
  }
  if (kind === 'set-engines') {
    const [operatorText, idsText] = rest
    if (idsText === undefined || rest.length > 2) throw badInput('gov propose set-engines OPERATOR ID[,ID...] (quote ids with spaces; "" for none)')
    const operator = address(operatorText, 'the operator')
    const ids = parseEngineList(idsText)
    if (!await isCandidate(gov, operator)) throw badInput(`${operator} has not registered as a candidate (it must call register first)`)
    return {
      actions: setEnginesActions(deployment.contracts.registry, [[operator, ids]]),
      description: description ?? `Set the engines of supernode ${operator} to ${ids.length === 0 ? 'none' : ids.join(', ')}`
    }
  }
  if (kind === 'set-param') {
    const [name, valueText] = rest
    const bond = name === 'candidateBond'
    if (name === undefined || valueText === undefined || !(bond ? /^\d+(\.\d{1,18})?$/ : /^\d{1,78}$/).test(valueText)) {
      throw badInput('gov propose set-param NAME VALUE (an integer; candidateBond in VMT; see `virusmap gov params`)')
    }
    return { actions: setParamActions(deployment.contracts, name, bond ? parseEther(valueText) : BigInt(valueText)), description: description ?? `Set ${name} to ${valueText}` }
  }
  if (kind === 'reward-defaults') {
    const { actions, values: set } = rewardDefaultsActions(deployment.contracts, rest)
    return { actions, description: description ?? `Set ${Object.entries(set).map(([k, v]) => `${k} to ${v}`).join(', ')}: the protocol's defaults (SPEC 17)` }
  }
  if (kind === 'fund') {
    const [toText, amountText] = rest
    const to = address(toText, 'the recipient')
    if (amountText === undefined || !/^\d+(\.\d{1,18})?$/.test(amountText)) throw badInput('gov propose fund ADDRESS AMOUNT (VMT, e.g. 2500 or 0.5)')
    const amount = parseEther(amountText)
    const treasury = await gov.vmt.getFunction('balanceOf')(deployment.contracts.timelock) as bigint
    if (amount > treasury) throw badInput(`the treasury (timelock) holds ${formatVmt(treasury)}, less than ${formatVmt(amount)}`)
    return { actions: fundActions(deployment.contracts, to, amount), description: description ?? `Pay ${amountText} VMT from the treasury to ${to}` }
  }
  if (kind === 'vendor' || kind === 'price') {
    const market = deployment.contracts.market
    if (market === undefined) throw badInput(`${deployment.file} names no DataMarket (contracts.market)`)
    if (kind === 'vendor') {
      if (rest.length === 0) throw badInput('gov propose vendor needs at least one vendor address')
      const vendors = rest.map((a) => address(a, 'a vendor'))
      const approved = values.revoke !== true
      return { actions: vendorActions(market, vendors, approved), description: description ?? `${approved ? 'Approve' : 'Revoke'} data-market vendor${vendors.length > 1 ? 's' : ''} ${vendors.join(', ')}` }
    }
    const [product, amountText] = rest
    if (product === undefined || !/^[a-z0-9][a-z0-9-]{0,30}$/.test(product) || rest.length !== 2) throw badInput('gov propose price PRODUCT AMOUNT (a product name of 1-31 lowercase letters, digits and dashes, e.g. sample)')
    if (amountText === undefined || !/^\d{1,30}(\.\d{1,18})?$/.test(amountText)) throw badInput('gov propose price PRODUCT AMOUNT (VMT, e.g. 10 or 0.5; 0 takes it off sale)')
    return { actions: priceActions(market, encodeBytes32String(product), parseEther(amountText)), description: description ?? `Price data-market product ${product} at ${amountText} VMT` }
  }
  if (kind === 'call') {
    const targets = strs(values.target).map((t) => address(t, '--target'))
    const calldatas = strs(values.calldata)
    const valueTexts = strs(values.value)
    if (targets.length === 0 || targets.length !== calldatas.length) throw badInput('gov propose call needs one --calldata per --target (at least one)')
    if (valueTexts.length !== 0 && valueTexts.length !== targets.length) throw badInput('give --value for every --target or for none')
    for (const c of calldatas) if (!isHexString(c)) throw badInput(`--calldata must be 0x hex, got "${c.slice(0, 40)}"`)
    const vals = valueTexts.map((v) => {
      if (!/^\d{1,78}$/.test(v)) throw badInput(`--value must be wei as an integer, got "${v.slice(0, 40)}"`)
      return BigInt(v)
    })
    if (description === undefined) throw badInput('gov propose call needs --description TEXT')
    return { actions: { targets, values: vals.length === 0 ? targets.map(() => 0n) : vals, calldatas }, description }
  }
  throw badInput('gov propose admit|remove|set-engines|set-param|reward-defaults|fund|vendor|price|call ...')
}
