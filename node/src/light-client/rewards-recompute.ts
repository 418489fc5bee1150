/**
 * A light client's own computation of an account's VMT rewards (SPEC 17): every epoch from the
 * distributor's first through the one asked, from the reports anchored on chain (each verified by the
 * light-client verifier against the chain's members and the epoch's root, and as many as the anchor's
 * leaf count), the reward parameters at each end block (NetworkParameters' ParameterSet events, as the
 * members' followers read them) and the stakes there (VMT votes); then the account's leaf is proven
 * under the root the members posted. The node that serves the reports is trusted for nothing.
 */
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { Contract, decodeBytes32String } from 'ethers'
import type { AbortOptions } from '@libp2p/interface'
import type { JsonRpcProvider } from 'ethers'
import { rewardsArtifact } from '#governance/artifacts.ts'
import {
  computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, REWARDS_LEAF_TYPES, rewardFactsOf, rewardParamsFrom, rewardsProof, rewardsRootOf, rewardsTree, stakedWallets
} from '#protocol/rewards/index.ts'
import type { RewardFacts, RewardParams, RewardsState } from '#protocol/rewards/index.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import { ParameterHistory } from '../chain/parameter-history.ts'
import { parametersInterface } from '../chain/registry-abi.ts'
import { anchorableUntil } from '../rewards/epoch-inputs.ts'
import { createDepositChain } from '../rewards/deposit-chain.ts'
import { createStakeChain } from '../rewards/stake-chain.ts'
import { chainReaderFor, verifyReportWith } from './verify-report.ts'
import type { VerifyTarget } from './verify-report.ts'
import type { Question } from './question.ts'
import { isIndicatorKind } from '#protocol/index.ts'

export const RECOMPUTE_CODES = ['EPOCH_NOT_OVER', 'EPOCH_OPEN', 'UNVERIFIED_REPORT', 'INCOMPLETE_EPOCH', 'NO_DISTRIBUTOR'] as const
export type RecomputeCode = typeof RECOMPUTE_CODES[number]

export class RewardsRecomputeError extends Error {
  override readonly name = 'RewardsRecomputeError'
  readonly code: RecomputeCode
  constructor (code: RecomputeCode, message: string) {
    super(message)
    this.code = code
  }
}

export interface RecomputeTarget extends VerifyTarget {
  provider: JsonRpcProvider
  parameters: Hex
  anchors: Hex
  rewards: Hex
  vmt: Hex
  /** SubmissionDeposits (SPEC 17 rule 0), when the deployment has it */
  deposits?: Hex
  /** where NetworkParameters' events are read from (the deployment block) */
  fromBlock: number
}

/** What a node serves of an anchored epoch: its reports, each with the anchor (`virusmap_anchor`) proving it. Untrusted. */
export interface AnchoredReportsSource {
  reports(epoch: number, options?: AbortOptions): Promise<Array<{ report: Report, anchor: unknown }>>
}

export interface RecomputeOptions extends AbortOptions {
  /** what the chain does not set (W, the lists, defaults of unset keys): the protocol's unless a test says otherwise */
  params?: RewardParams
  /** a claim a node served for the account (cumulative and proof), checked against the posted root */
  served?: { cumulative: bigint, proof: Hex[] }
  now?: () => number
}

export interface RecomputedAccount {
  epoch: number
  account: Hex
  /** the account's cumulative wei by this computation, and what epoch `epoch` paid it */
  cumulative: bigint
  amount: bigint
  /** the root and total this computation gives; undefined while nobody has earned */
  root?: Hex
  total: bigint
  /** the root the members posted for the epoch (RootPosted), if any */
  posted?: { root: Hex, total: bigint }
  /** the posted root is this computation's: the account's leaf (account, cumulative) is in the posted tree */
  rootMatches: boolean
  /** the leaf proof under the posted root (present when rootMatches) */
  proof?: Hex[]
  /** the served claim, when given, is the posted tree's leaf and this computation's amount */
  servedMatches?: boolean
  /** reports verified and read */
  reports: number
}

/** The question a report answers by its own job (a hostile report's odd job is the verifier's to refuse). */
function questionOf (report: Report): Question {
  const job = (report as Partial<Report> | null)?.job?.job
  return job !== undefined && isIndicatorKind(job.kind) ? { kind: job.kind, subject: String(job.subject) } : { hash: String(job?.sha256 ?? '') }
}

/** The ParameterSet history of NetworkParameters up to `to`, as a member's registry follower builds it. */
async function parameterHistory (target: RecomputeTarget, to: number, options: AbortOptions): Promise<ParameterHistory> {
  const history = new ParameterHistory()
  options.signal?.throwIfAborted()
  const logs = await target.provider.getLogs({ address: target.parameters, topics: [parametersInterface.getEvent('ParameterSet')?.topicHash ?? null], fromBlock: target.fromBlock, toBlock: to })
  for (const log of logs) {
    const set = parametersInterface.parseLog(log)
    if (set === null) continue
    history.set(decodeBytes32String(set.args.getValue('key') as string), log.blockNumber, set.args.getValue('value') as bigint)
  }
  return history
}

export async function recomputeAccount (account: Hex, epoch: number, source: AnchoredReportsSource, target: RecomputeTarget, options: RecomputeOptions = {}): Promise<RecomputedAccount> {
  const { signal } = options
  const who = account.toLowerCase() as Hex
  const distributor = new Contract(target.rewards, rewardsArtifact.abi, target.provider)
  let firstEpoch: number
  let epochBlocks: number
  try {
    firstEpoch = Number((await distributor.getFunction('settings')() as [bigint, bigint, string, bigint])[3])
    epochBlocks = Number(await distributor.getFunction('epochBlocks')() as bigint)
  } catch (err) {
    throw new RewardsRecomputeError('NO_DISTRIBUTOR', `${target.rewards} does not answer as a RewardsDistributor: ${(err as Error).message}`)
  }
  const head = await target.provider.getBlockNumber()
  if ((epoch + 1) * epochBlocks - 1 >= head) throw new RewardsRecomputeError('EPOCH_NOT_OVER', `epoch ${epoch} ends at block ${(epoch + 1) * epochBlocks - 1}, the chain is at ${head}`)
  const history = await parameterHistory(target, head, options)
  const parameterAt = (name: string, block: number): bigint | undefined => history.at(name, block)
  const chain = chainReaderFor(target)
  const stakes = createStakeChain({ provider: target.provider, vmt: target.vmt })
  const deposits = target.deposits === undefined ? undefined : createDepositChain({ provider: target.provider, address: target.deposits, fromBlock: target.fromBlock })
  const factsOf = new Map<number, RewardFacts[]>()
  let reports = 0

  /** epoch k's verified facts: every leaf of its anchor, or none once it can no longer be anchored */
  async function epochFacts (k: number): Promise<RewardFacts[]> {
    const known = factsOf.get(k)
    if (known !== undefined) return known
    const anchor = (await chain.epochAnchor(k, { signal }))?.anchor
    let facts: RewardFacts[] = []
    if (anchor === undefined) {
      const members = (await chain.blockState(k * epochBlocks, { signal }))?.members ?? []
      if (members.length > 0 && head <= anchorableUntil(k, epochBlocks, parameterAt)) throw new RewardsRecomputeError('EPOCH_OPEN', `epoch ${k} may still be anchored`)
    } else {
      const jobs = new Set<string>()
      for (const { report, anchor: served } of await source.reports(k, { signal })) {
        const checked = await verifyReportWith(report, questionOf(report), chain, target, { anchor: served, signal, ...(options.now === undefined ? {} : { now: options.now }) })
        if (!checked.verified || checked.anchor.status !== 'anchored' || checked.anchor.epoch !== k) {
          throw new RewardsRecomputeError('UNVERIFIED_REPORT', `epoch ${k}: report ${String(report.jobId).slice(0, 66)} does not verify as anchored there: ${checked.problems.map((p) => p.code).join(', ') || checked.anchor.status}`)
        }
        if (!jobs.has(report.jobId)) facts.push(rewardFactsOf(report, k))
        jobs.add(report.jobId)
      }
      if (jobs.size !== anchor.leafCount) throw new RewardsRecomputeError('INCOMPLETE_EPOCH', `epoch ${k}: ${jobs.size} reports served, the anchor holds ${anchor.leafCount}`)
      reports += jobs.size
    }
    factsOf.set(k, facts = facts.toSorted((a, b) => a.jobId < b.jobId ? -1 : 1))
    return facts
  }

  let state: RewardsState = INITIAL_REWARDS_STATE
  let amount = 0n
  for (let e = firstEpoch; e <= epoch; e++) {
    const end = (e + 1) * epochBlocks - 1
    const { params } = rewardParamsFrom((key) => parameterAt(key, end), options.params ?? DEFAULT_REWARD_PARAMS)
    const facts: RewardFacts[] = []
    for (let k = Math.max(0, e - params.payDelayEpochs); k <= e; k++) facts.push(...await epochFacts(k))
    // as a member reads them: at the paid epoch's end block
    const paid = e - params.payDelayEpochs
    const totals = deposits === undefined || paid < 0 ? undefined : await deposits.depositsAt((paid + 1) * epochBlocks - 1, { signal })
    const result = computeEpochRewards({ epoch: e, facts, state, params, stakes: await stakes.stakesAt(stakedWallets(facts), end, { signal }), ...(totals === undefined ? {} : { deposits: totals }) })
    state = result.state
    amount = result.amounts.get(who) ?? 0n
  }

  const root = rewardsRootOf(epoch, state.cumulative)
  const events = await distributor.queryFilter(distributor.getEvent('RootPosted')(epoch), target.fromBlock, head)
  const last = events.at(-1) as { args?: { getValue(name: string): unknown } } | undefined
  const posted = last?.args === undefined ? undefined : { root: String(last.args.getValue('root')).toLowerCase() as Hex, total: last.args.getValue('total') as bigint }
  const rootMatches = posted !== undefined && root !== undefined && posted.root === root.root && posted.total === root.total
  const cumulative = state.cumulative.get(who) ?? 0n
  const tree = rewardsTree(state.cumulative)
  const proof = rootMatches && tree !== undefined ? rewardsProof(tree, who)?.proof : undefined
  const served = options.served
  const servedMatches = served === undefined || posted === undefined
    ? undefined
    : served.cumulative === cumulative && StandardMerkleTree.verify(posted.root, [...REWARDS_LEAF_TYPES], [who, served.cumulative.toString()], served.proof)
  return {
    epoch,
    account: who,
    cumulative,
    amount,
    ...(root === undefined ? {} : { root: root.root }),
    total: root?.total ?? 0n,
    ...(posted === undefined ? {} : { posted }),
    rootMatches,
    ...(proof === undefined ? {} : { proof }),
    ...(servedMatches === undefined ? {} : { servedMatches }),
    reports
  }
}
