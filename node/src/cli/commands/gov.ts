// `virusmap gov SUBCOMMAND`: a token holder's Governor operations against any RPC and deployment file.
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { existsSync } from 'node:fs'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { ContractTransactionResponse, JsonRpcProvider, Wallet } from 'ethers'
import {
  GovernanceError, cancelProposal, readParameters, registerCandidate, sendTx, castVote, delegate, executeProposal, findProposal, listMembers, listProposals,
  openGov, parseBallot, parseProposalId, parseSupport, propose, proposalStatus, queueProposal, signBallot,
  submitBallot
} from '#governance/index.ts'
import type { Gov } from '#governance/index.ts'
import { keyFilePath, loadOrCreateNodeKeys } from '../../supernode/node-keys.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandArgs, CommandContext } from '../command.ts'
import { address, badInput, chainIdOption, connect, loadGovDeployment, loadSigner, oneLine, str } from './gov-context.ts'
import { PROPOSE_USAGE, proposalFor } from './gov-propose.ts'
import { firstLine, formatVmt as vmt, renderMembers, renderStatus, table } from './gov-render.ts'

const SUBCOMMANDS = `
  delegate [ADDRESS]                      delegate your votes (default: to yourself)
${PROPOSE_USAGE.slice(1)}
  vote ID for|against|abstain [--reason TEXT]
  vote ID SUPPORT --sign-only [--nonce N] [--out FILE]   sign an EIP-712 ballot offline
  vote --ballot FILE                      submit someone's signed ballot (castVoteBySig)
  queue ID | execute ID | cancel ID
  proposals                               every proposal with its state and tallies
  proposal ID                             state, tallies, quorum, snapshot, deadline, eta, actions
  apply --data-dir DIR [--metadata URI]   the supernode in DIR applies as a candidate (pays the bond, if any)
  resign --data-dir DIR | withdraw-bond --data-dir DIR   a member leaves | a non-member takes its bond back
  members                                 current supernodes with their terms and engines
  params                                  network parameters and registry settings now
common: [--deployment FILE] [--rpc URL] [--chain-id N] [--keystore FILE] [--json]
keys: an encrypted JSON keystore (virusmap keystore new|import); passphrase from $VIRUSMAP_KEYSTORE_PASSWORD or a prompt`

/** The supernode's own operator key (DATA/keys/node-keys.json): candidates sign register themselves. */
async function operatorSigner (values: CommandArgs['values'], ctx: CommandContext, provider: JsonRpcProvider): Promise<Wallet> {
  const dataDir = str(values['data-dir'])
  if (dataDir === undefined) throw badInput('this subcommand acts as the supernode: pass --data-dir DIR (the supernode\'s data directory)')
  const dir = resolve(ctx.cwd, dataDir)
  if (!existsSync(keyFilePath(dir))) throw badInput(`no supernode keys at ${keyFilePath(dir)} (run the supernode once, or check --data-dir)`)
  values['data-dir'] = dir
  return (await loadOrCreateNodeKeys(dir)).operator.connect(provider)
}

async function run ({ values, positionals }: CommandArgs, ctx: CommandContext): Promise<number> {
  const [sub, ...args] = positionals
  if (sub === undefined) throw badInput(`which gov subcommand? one of delegate, propose, vote, queue, execute, cancel, proposals, proposal, members`)
  const known = ['delegate', 'propose', 'vote', 'queue', 'execute', 'cancel', 'proposals', 'proposal', 'members', 'params', 'apply', 'resign', 'withdraw-bond']
  if (!known.includes(sub)) throw badInput(`unknown gov subcommand "${sub.slice(0, 40)}" (one of ${known.join(', ')})`)
  const json = values.json === true
  const print = (human: string, data: unknown): number => {
    ctx.stdout.write(json ? JSON.stringify(data, (_, v: unknown) => typeof v === 'bigint' ? v.toString() : v, 2) + '\n' : human)
    return EXIT_CODES.ok
  }
  const deployment = await loadGovDeployment(values, ctx)
  const expected = chainIdOption(values)
  if (expected !== undefined && expected !== deployment.chainId) {
    throw new GovernanceError('WRONG_CHAIN', `wrong chain: --chain-id ${expected} but ${deployment.file} is for chain ${deployment.chainId}`)
  }

  // Offline ballot signing: needs no RPC when --nonce is given.
  if (sub === 'vote' && values['sign-only'] === true) {
    const [idText, supportText] = args
    if (idText === undefined || supportText === undefined) throw badInput('usage: gov vote ID for|against|abstain --sign-only [--nonce N] [--out FILE]')
    const pid = parseProposalId(idText)
    const support = parseSupport(supportText)
    const nonceText = str(values.nonce)
    if (nonceText !== undefined && !/^\d{1,20}$/.test(nonceText)) throw badInput(`--nonce must be a non-negative integer, got "${nonceText.slice(0, 40)}"`)
    let nonce: bigint
    let signer
    if (nonceText === undefined) {
      const { provider } = await connect(deployment.rpcUrl, deployment.chainId, ctx.signal)
      try {
        signer = await loadSigner(values, ctx, provider)
        nonce = await openGov(deployment.contracts, provider, deployment.deployBlock).governor.getFunction('nonces')(signer.address) as bigint
      } finally { provider.destroy() }
    } else {
      signer = await loadSigner(values, ctx, null)
      nonce = BigInt(nonceText)
    }
    const ballot = await signBallot(signer, { chainId: deployment.chainId, governor: deployment.contracts.governor, proposalId: pid, support, nonce, reason: str(values.reason) ?? '' })
    const text = JSON.stringify(ballot, null, 2) + '\n'
    const out = str(values.out)
    if (out !== undefined) {
      await writeFile(resolve(ctx.cwd, out), text)
      ctx.stderr.write(`signed ballot written to ${out}: anyone can submit it with \`virusmap gov vote --ballot ${out}\`\n`)
    } else ctx.stdout.write(text)
    return EXIT_CODES.ok
  }

  const { provider, chainId } = await connect(deployment.rpcUrl, deployment.chainId, ctx.signal)
  try {
    const gov: Gov = openGov(deployment.contracts, provider, deployment.deployBlock)
    const signer = async (): Promise<Awaited<ReturnType<typeof loadSigner>>> => await loadSigner(values, ctx, provider)
    const proposalArg = async (): Promise<ReturnType<typeof findProposal>> => {
      if (args[0] === undefined) throw badInput(`gov ${sub} needs a proposal ID (see \`virusmap gov proposals\`)`)
      return await findProposal(gov, parseProposalId(args[0]))
    }
    switch (sub) {
      case 'delegate': {
        const wallet = await signer()
        const to = args[0] === undefined ? wallet.address : address(args[0], 'the delegatee')
        const { hash } = await delegate(gov, wallet, to)
        return print(`delegated the votes of ${wallet.address} to ${to} (tx ${hash})\n`, { delegator: wallet.address, delegatee: to, tx: hash })
      }
      case 'propose': {
        const { actions, description } = await proposalFor(args, values, gov, deployment)
        const wallet = await signer()
        const made = await propose(gov, wallet, actions, description)
        return print(`proposed ${made.id}\n  (vote from block ${Number(await gov.governor.getFunction('proposalSnapshot')(made.id) as bigint) + 1}; tx ${made.hash})\n`,
          { proposalId: made.id.toString(), tx: made.hash, block: made.blockNumber })
      }
      case 'vote': {
        const ballotFile = str(values.ballot)
        if (ballotFile !== undefined) {
          let ballotJson: unknown
          try {
            ballotJson = JSON.parse(await readFile(resolve(ctx.cwd, ballotFile), 'utf8'))
          } catch (err) {
            throw badInput(`cannot read ballot ${ballotFile}: ${(err as { code?: string }).code ?? 'not JSON'}`)
          }
          const ballot = parseBallot(ballotJson)
          const { hash, weight } = await submitBallot(gov, await signer(), ballot, chainId)
          return print(`submitted ${ballot.voter}'s vote ${['against', 'for', 'abstain'][ballot.support]} on ${ballot.proposalId} with ${vmt(weight)} (tx ${hash})\n`,
            { proposalId: ballot.proposalId, voter: ballot.voter, support: ballot.support, weight: weight.toString(), tx: hash })
        }
        if (args[1] === undefined) throw badInput('gov vote ID for|against|abstain [--reason TEXT]')
        const support = parseSupport(args[1])
        const p = await proposalArg()
        const wallet = await signer()
        const { hash, weight } = await castVote(gov, wallet, p, support, str(values.reason) ?? '')
        return print(`voted ${args[1].toLowerCase()} on ${p.id} with ${vmt(weight)} (tx ${hash})\n`,
          { proposalId: p.id.toString(), voter: wallet.address, support, weight: weight.toString(), tx: hash })
      }
      case 'queue':
      case 'execute':
      case 'cancel': {
        const p = await proposalArg()
        const fn = { queue: queueProposal, execute: executeProposal, cancel: cancelProposal }[sub]
        const { hash, blockNumber } = await fn(gov, await signer(), p)
        const s = await proposalStatus(gov, p)
        const eta = s.eta === null ? '' : `; executable from ${new Date(s.eta * 1000).toISOString()}`
        return print(`${sub === 'queue' ? 'queued' : sub === 'execute' ? 'executed' : 'canceled'} ${p.id} at block ${blockNumber}${eta} (tx ${hash})\n`,
          { proposalId: p.id.toString(), state: s.state, eta: s.eta, block: blockNumber, tx: hash })
      }
      case 'proposals': {
        const all = await Promise.all((await listProposals(gov)).map(async (p) => await proposalStatus(gov, p)))
        const rows = [['ID', 'STATE', 'FOR', 'AGAINST', 'ABSTAIN', 'DEADLINE', 'DESCRIPTION'],
          ...all.map((s) => [`${s.id.slice(0, 10)}…`, s.state, vmt(s.votes.for), vmt(s.votes.against), vmt(s.votes.abstain), String(s.deadline), firstLine(s.description)])]
        return print(all.length === 0 ? 'no proposals\n' : table(rows), all)
      }
      case 'proposal': {
        const s = await proposalStatus(gov, await proposalArg())
        return print(renderStatus(s), s)
      }
      case 'apply':
      case 'resign':
      case 'withdraw-bond': {
        const operator = await operatorSigner(values, ctx, provider)
        const gas = await provider.getBalance(operator.address)
        if (gas === 0n) throw badInput(`the operator ${operator.address} has no ETH to pay for gas`)
        if (sub === 'apply') {
          const [bond, held, balance] = await Promise.all([
            gov.registry.getFunction('candidateBond')() as Promise<bigint>,
            gov.registry.getFunction('bondOf')(operator.address) as Promise<bigint>,
            gov.vmt.getFunction('balanceOf')(operator.address) as Promise<bigint>
          ])
          if (bond > held && balance < bond - held) throw badInput(`the candidate bond is ${vmt(bond)}: the operator ${operator.address} holds ${vmt(balance)}, send it VMT first`)
          const keys = await loadOrCreateNodeKeys(str(values['data-dir']) ?? '')
          const peerId = peerIdFromPrivateKey(keys.peerKey).toString()
          const block = await registerCandidate({ registry: deployment.contracts.registry, operator, peerId, x25519Key: keys.x25519PublicKey, metadataURI: str(values.metadata) ?? '' })
          return print(`${operator.address} applied as a candidate at block ${block} (peer ${peerId}${bond > held ? `, bond ${vmt(bond - held)} paid` : ''}); a proposal must now admit it: virusmap gov propose admit ${operator.address}\n`,
            { operator: operator.address, peerId, x25519Key: keys.x25519PublicKey, block })
        }
        const fn = sub === 'resign' ? 'resign' : 'withdrawBond'
        const { hash, blockNumber } = await sendTx(sub, async () => await (gov.registry.connect(operator) as typeof gov.registry).getFunction(fn)() as ContractTransactionResponse)
        return print(`${operator.address} ${sub === 'resign' ? 'resigned' : 'withdrew its bond and is no longer a candidate'} at block ${blockNumber} (tx ${hash})\n`,
          { operator: operator.address, block: blockNumber, tx: hash })
      }
      case 'params': {
        const params = await readParameters(gov)
        const rows = [['PARAMETER', 'VALUE'], ...Object.entries(params).map(([k, v]) => [k, v])]
        return print(table(rows), params)
      }
      case 'members': {
        const members = await listMembers(gov)
        return print(renderMembers(members), members)
      }
    }
    return EXIT_CODES.usage
  } finally {
    provider.destroy()
  }
}

export const govCommand: Command = {
  name: 'gov',
  summary: 'governance: delegate, propose, vote (also by signature), queue, execute, cancel, proposals, members',
  usage: `virusmap gov SUBCOMMAND ...${SUBCOMMANDS}`,
  options: {
    deployment: { type: 'string' },
    rpc: { type: 'string' },
    'chain-id': { type: 'string' },
    keystore: { type: 'string' },
    json: { type: 'boolean' },
    description: { type: 'string' },
    reason: { type: 'string' },
    target: { type: 'string', multiple: true },
    value: { type: 'string', multiple: true },
    calldata: { type: 'string', multiple: true },
    'sign-only': { type: 'boolean' },
    nonce: { type: 'string' },
    out: { type: 'string' },
    ballot: { type: 'string' },
    'data-dir': { type: 'string' },
    metadata: { type: 'string' },
    revoke: { type: 'boolean' }
  },
  run: async (args, ctx) => await oneLine(ctx, async () => await run(args, ctx))
}

