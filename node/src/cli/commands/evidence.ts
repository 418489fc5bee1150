// `virusmap evidence list|submit`: the equivocation evidence a node holds (two conflicting messages
// one member signed for one job), and proving it on chain: EquivocationEvidence slashes the member's
// bond, pays the caller its share and removes the member, in one transaction from any account.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Contract } from 'ethers'
import { evidenceArtifact } from '#governance/artifacts.ts'
import { evidenceInterface, sendTx } from '#governance/index.ts'
import type { Hex } from '#protocol/messages.ts'
import { CliError } from '../cli-error.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandContext, OptionValue } from '../command.ts'
import { EvidenceError, MAX_EVIDENCE_BYTES, checkEvidence } from '../evidence-input.ts'
import { fetchApiData } from '../api-data.ts'
import { proveEquivocation } from '../../slashing/evidence-chain.ts'
import type { CheckedEvidence } from '../evidence-input.ts'
import { API_OPTIONS, resolveApiTarget } from '../target.ts'
import type { ApiTarget } from '../target.ts'
import { terminalJson, terminalText } from '../terminal-text.ts'
import { badInput, chainIdOption, connect, loadGovDeployment, loadSigner, oneLine, str } from './gov-context.ts'

const MEMBER = /^0x[0-9a-fA-F]{40}$/
const JOB_ID = /^0x[0-9a-fA-F]{64}$/
const USAGE = `virusmap evidence list [MEMBER] [--api URL] [--apikey KEY] [--json]
       virusmap evidence submit (MEMBER [--job JOB_ID] | --file FILE) --keystore FILE [--deployment FILE] [--rpc URL] [--chain-id N] [--api URL] [--json]
  list: members the node holds evidence against, or one member's conflicting pairs
  submit: checks a pair as the contract will (one member, one job, two different messages it signed), then proves it on chain;
          from the node (the first pair not yet proven, commitments first: the cheapest) or from a file (an item of list MEMBER --json)`

interface EvidenceItem { id?: unknown, attributes?: Record<string, unknown> }

/** a node's evidence route: any answer that is not {data: [...]} is a network error */
async function fetchEvidence (target: ApiTarget, path: string, ctx: CommandContext): Promise<EvidenceItem[]> {
  const data = await fetchApiData(target, path, ctx)
  if (!Array.isArray(data)) throw new CliError('NETWORK', `${new URL(path, target.api).href}: the answer has no data list`)
  return data as EvidenceItem[]
}

function memberArg (text: string | undefined): Hex {
  if (text === undefined || !MEMBER.test(text)) throw badInput(`MEMBER must be a 20-byte address in hex (0x...), got "${terminalText(String(text)).slice(0, 60)}"`)
  return text.toLowerCase() as Hex
}

async function list (values: Record<string, OptionValue>, member: string | undefined, ctx: CommandContext): Promise<number> {
  const target = await resolveApiTarget(values, ctx)
  const json = values.json === true
  if (member === undefined) {
    const members = (await fetchEvidence(target, '/api/virusmap/evidence', ctx)).map((m) => String(m.id))
    ctx.stdout.write(json ? `${terminalJson(members, 2)}\n` : members.length === 0 ? 'no evidence held\n' : `${members.map((m) => terminalText(m)).join('\n')}\n`)
    return EXIT_CODES.ok
  }
  const items = await fetchEvidence(target, `/api/virusmap/evidence/${memberArg(member)}`, ctx)
  if (json) {
    ctx.stdout.write(`${terminalJson(items, 2)}\n`)
  } else {
    const rows = items.map((i) => `${terminalText(String(i.attributes?.kind)).padEnd(10)} job ${terminalText(String(i.attributes?.job_id))}  recorded ${terminalText(String(i.attributes?.recorded_at))}`)
    ctx.stdout.write(rows.length === 0 ? `no evidence held against ${member}\n` : `${rows.join('\n')}\n`)
  }
  return EXIT_CODES.ok
}

async function fromFile (file: string, ctx: CommandContext): Promise<unknown> {
  let text: string
  try {
    text = await readFile(resolve(ctx.cwd, file), 'utf8')
  } catch (err) {
    throw badInput(`cannot read ${file}: ${(err as { code?: string }).code ?? 'unreadable'}`)
  }
  if (text.length > MAX_EVIDENCE_BYTES) throw badInput(`${file} is larger than ${MAX_EVIDENCE_BYTES} bytes: not one evidence object`)
  try {
    return JSON.parse(text)
  } catch {
    throw badInput(`${file} is not JSON`)
  }
}

async function submit (values: Record<string, OptionValue>, member: string | undefined, ctx: CommandContext): Promise<number> {
  const file = str(values.file)
  const job = str(values.job)
  if ((file === undefined) === (member === undefined)) throw badInput('submit takes a MEMBER (evidence the node holds) or --file FILE, one of the two')
  if (job !== undefined && (member === undefined || !JOB_ID.test(job))) throw badInput('--job takes a 32-byte job id in hex, beside a MEMBER')
  const deployment = await loadGovDeployment(values, ctx)
  const expected = chainIdOption(values)
  if (expected !== undefined && expected !== deployment.chainId) throw badInput(`wrong chain: --chain-id ${expected} but ${deployment.file} is for chain ${deployment.chainId}`)
  const address = deployment.contracts.evidence
  if (address === undefined) throw badInput(`${deployment.file} names no evidence contract (contracts.evidence): the deployment predates it`)
  const check = (value: unknown): CheckedEvidence => {
    try {
      return checkEvidence(value, deployment.chainId, deployment.contracts.registry)
    } catch (err) {
      if (err instanceof EvidenceError) throw badInput(`not evidence of equivocation (${err.code}): ${err.message}`)
      throw err
    }
  }
  let candidates: CheckedEvidence[]
  if (file !== undefined) {
    candidates = [check(await fromFile(file, ctx))]
  } else {
    const items = await fetchEvidence(await resolveApiTarget(values, ctx), `/api/virusmap/evidence/${memberArg(member)}`, ctx)
    // A node may hold anything; only pairs that check out are worth a transaction.
    candidates = items.filter((i) => job === undefined || String(i.attributes?.job_id).toLowerCase() === job.toLowerCase())
      .flatMap((i) => { try { return [check(i)] } catch { return [] } })
      .filter((e) => e.member === member?.toLowerCase())
      .toSorted((a, b) => Number(a.kind !== 'commitment') - Number(b.kind !== 'commitment'))
    if (candidates.length === 0) throw new CliError('NOT_FOUND', `the node holds no valid evidence against ${member}${job === undefined ? '' : ` for job ${job}`}`)
  }
  const { provider } = await connect(deployment.rpcUrl, deployment.chainId, ctx.signal)
  try {
    const contract = new Contract(address, evidenceArtifact.abi, provider)
    let chosen: CheckedEvidence | undefined
    for (const e of candidates) {
      if (!(await contract.getFunction('proven')(e.member, e.jobId) as boolean)) { chosen = e; break }
    }
    if (chosen === undefined) throw badInput(`equivocation of ${candidates[0]!.member} on job ${candidates[0]!.jobId} is already proven on chain`)
    const signer = await loadSigner(values, ctx, provider)
    const e = chosen
    const { hash, blockNumber, gasUsed, logs } = await sendTx('evidence submit', async () => await proveEquivocation(contract.connect(signer) as Contract, e))
    const proven = (logs as Array<{ topics: string[], data: string }>).map((l) => { try { return evidenceInterface.parseLog(l) } catch { return null } })
      .find((l) => l?.name === 'EquivocationProven')
    const slashed = BigInt(proven?.args[4] ?? 0n)
    const reward = BigInt(proven?.args[5] ?? 0n)
    const out = { member: e.member, jobId: e.jobId, kind: e.kind, slashed: slashed.toString(), reward: reward.toString(), reporter: signer.address.toLowerCase(), tx: hash, block: blockNumber, gasUsed: gasUsed.toString() }
    ctx.stdout.write(values.json === true
      ? `${terminalJson(out, 2)}\n`
      : `${e.member} equivocated on job ${e.jobId} (${e.kind}s): slashed ${slashed} wei of VMT, ${reward} to ${out.reporter}, removed at block ${blockNumber} (tx ${hash}, gas ${gasUsed})\n`)
    return EXIT_CODES.ok
  } finally {
    provider.destroy()
  }
}

export const evidenceCommand: Command = {
  name: 'evidence',
  summary: 'list the equivocation evidence a node holds, or prove it on chain (slashes the member)',
  usage: USAGE,
  options: { ...API_OPTIONS, rpc: { type: 'string' }, 'chain-id': { type: 'string' }, keystore: { type: 'string' }, file: { type: 'string' }, job: { type: 'string' } },
  run: async ({ values, positionals }, ctx) => await oneLine(ctx, async () => {
    const [sub, member, ...rest] = positionals
    if (rest.length > 0) throw badInput(`unexpected arguments: ${terminalText(rest.join(' ')).slice(0, 80)}`)
    if (sub === 'list') return await list(values, member, ctx)
    if (sub === 'submit') return await submit(values, member, ctx)
    throw badInput(`which evidence subcommand? list or submit, got "${terminalText(String(sub ?? '')).slice(0, 40)}"`)
  })
}
