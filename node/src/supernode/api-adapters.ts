import type { Signer } from 'ethers'
import { indicatorSha256 } from '#protocol/index.ts'
import { TOPICS } from '#protocol/messages.ts'
import { MAX_RELATED_INDICATORS } from '../quorum/file-indicators.ts'
import { canonicalSubmissionSubject, operatorSubmission } from '../quorum/indicator-submission.ts'
import { storedSampleFromRecord, storedSampleSource } from '../ingest/stored-source.ts'
import type { Hex, SampleKind } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { AnchorReader, AnalysisStatus, AnalysisView, ApiPorts, EvidenceReader, IndicatorPort, NetworkMember, NodeStatusReader, SampleDownloads, SampleSubmitter } from '../api/ports/index.ts'
import type { SampleRecord, SampleRepository } from '../db/sample-repository.ts'
import type { EvidenceRepository } from '../db/evidence-repository.ts'
import type { AnchorRepository, AnchoredEpoch, JobAnchor } from '../db/anchor-repository.ts'
import type { AnchoredEpochView, ReportAnchorView, SampleInfo } from '../api/ports/index.ts'
import type { RegistryFollower } from '../chain/registry-follower.ts'
import type { Repositories } from '../db/repositories.ts'
import type { Coordinator } from '../quorum/coordinator.ts'
import type { NodeMetrics } from '../metrics/registry.ts'
import type { VirusmapLibp2p } from '../network/libp2p-node.ts'
import type { SampleStore } from '../ingest/sample-store.ts'
import { rewardsReader } from '../rewards/rewards-reader.ts'
import { createMaliciousFeed } from './malicious-feed.ts'

/** Adapts the supernode's coordinator and repositories to what the HTTP API asks of a node. */
export interface ApiPortsComponents {
  coordinator: Coordinator
  repositories: Repositories
  follower: RegistryFollower
  /** with libp2p: the /healthz and /metrics answers (no status port without both) */
  metrics?: NodeMetrics
  libp2p?: VirusmapLibp2p
  operator: Hex
  /** the operator wallet: signs, as submitter, the indicators VirusTotal tools submit unsigned (POST /urls) */
  operatorSigner?: Signer
  chainId: number
  registry: Hex
  /** what the web page suggests on first use as the deployment to pin (it says the node suggested it) */
  suggested?: { rpcUrl: string, parameters?: Hex, anchors?: Hex, governor?: Hex, rewards?: Hex }
  /** answer /api/v3 and /api/virusmap only to keys in the node's key store */
  requireApiKey: boolean
  /** for rescans and downloads: the stored sample's plaintext */
  samples?: Pick<SampleStore, 'openSample'>
}

const REPORT_CACHE_SIZE = 1024

/**
 * The latest report on a file or an indicator. A report never changes once stored under its job
 * id: lookups of popular samples and indicators skip its read and decode.
 */
export function cachedLatestReports (reports: Pick<Repositories['reports'], 'latestJobId' | 'get'>): (sha256: Hex, kind?: SampleKind) => Promise<Report | undefined> {
  const cache = new Map<Hex, Report>()
  return async (sha256, kind = 'file') => {
    const jobId = await reports.latestJobId(sha256, kind)
    if (jobId === undefined) return undefined
    const cached = cache.get(jobId)
    if (cached !== undefined) return cached
    const report = await reports.get(jobId)
    if (report === undefined) return undefined
    if (cache.size >= REPORT_CACHE_SIZE) cache.delete(cache.keys().next().value as Hex)
    cache.set(jobId, report)
    return report
  }
}

/**
 * Views of the repositories' shared records, one per record: a record is never changed in place
 * (a write stores a new one), so a lookup that reads the same record hands out the same view, and
 * the object cache's compare of its inputs (object-cache.ts) stops there instead of walking it.
 */
const anchorViews = new WeakMap<JobAnchor, ReportAnchorView>()
const sampleViews = new WeakMap<SampleRecord, SampleInfo>()

/** A report's anchor as served (`virusmap_anchor`); undefined while it waits for one. */
export async function reportAnchor (anchors: Pick<AnchorRepository, 'jobAnchor'>, report: Report | undefined): Promise<ReportAnchorView | undefined> {
  if (report === undefined) return undefined
  const at = await anchors.jobAnchor(report.jobId)
  if (at === undefined) return undefined
  let view = anchorViews.get(at)
  if (view === undefined) {
    view = { epoch: at.epoch, root: at.root, proof: at.proof, block: at.block }
    anchorViews.set(at, view)
  }
  return view
}

/** What the API serves of a sample record (never its CID or content key). */
export function sampleInfo (sample: SampleRecord): SampleInfo {
  let view = sampleViews.get(sample)
  if (view === undefined) {
    view = {
      sha256: sample.sha256,
      sha1: sample.sha1,
      md5: sample.md5,
      size: sample.size,
      fileType: sample.fileType,
      names: sample.names,
      firstSeen: sample.firstSeen,
      lastSeen: sample.lastSeen
    }
    sampleViews.set(sample, view)
  }
  return view
}

function epochView (e: AnchoredEpoch): AnchoredEpochView {
  return { epoch: e.epoch, root: e.root, leafCount: e.leafCount, block: e.block, tx: e.tx, ...(e.jobIds === undefined ? {} : { jobIds: e.jobIds }) }
}

/** The epochs anchored on chain, as the anchor service recorded them. */
export function anchorReader (repo: Pick<AnchorRepository, 'epochs' | 'epoch'>): AnchorReader {
  return {
    epochs: async (limit, before) => (await repo.epochs(limit, before)).map(epochView),
    epoch: async (epoch) => {
      const e = await repo.epoch(epoch)
      return e === undefined ? undefined : epochView(e)
    }
  }
}

/** The evidence the coordinator kept (conflicting signed messages), as the API reads it. */
export function evidenceReader (repo: Pick<EvidenceRepository, 'listByMember' | 'members'>): EvidenceReader {
  return {
    byMember: async (member) => await repo.listByMember(member),
    members: async (limit) => await repo.members(limit)
  }
}

/** Samples this node holds (metadata with the content key, and the blocks), decrypted as they stream out. */
export function sampleDownloads (samples: Pick<SampleRepository, 'find'>, store: Pick<SampleStore, 'openSample'>): SampleDownloads {
  return {
    async open (hash, options) {
      const sample = await samples.find(hash)
      if (sample == null) return undefined
      const opened = await store.openSample(sample.cid, Buffer.from(sample.contentKey.slice(2), 'hex'), options)
      return { sha256: sample.sha256, size: opened.size, chunks: opened.chunks }
    }
  }
}

/**
 * VirusTotal's rescan of a sample this node holds: a new job through `submitFile`, given a source
 * that names the stored sample. The store re-publishes it without reading it (stored-source.ts);
 * only were blocks missing would it stream the decrypted bytes to store them again.
 */
export function sampleRescans (samples: Pick<SampleRepository, 'find'>, store: Pick<SampleStore, 'openSample'>, submitFile: SampleSubmitter['submitFile']): NonNullable<SampleSubmitter['rescan']> {
  return async (hash, options) => {
    const sample = await samples.find(hash)
    if (sample == null) return undefined
    const stored = storedSampleFromRecord(sample)
    const source = storedSampleSource(stored, async () => (await store.openSample(stored.cid, stored.contentKey, options)).chunks)
    return await submitFile(source, {}, options)
  }
}

/** Indicators: submissions go to the coordinator; lookups read the records, reports and relations this node holds. */
export function indicatorPort (
  coordinator: Pick<Coordinator, 'submitIndicator'>,
  repos: Pick<Repositories, 'indicators' | 'reports' | 'anchors'>,
  operator?: { signer: Signer, chainId: number, registry: Hex },
  latestReport = cachedLatestReports(repos.reports)
): IndicatorPort {
  const port: IndicatorPort = {
    submitIndicator: async (input, options) => await coordinator.submitIndicator(input, options),
    async getIndicatorByHash (kind, sha256, options = {}) {
      // records are keyed by the subject's sha256, so a submitted URL is found by its hash before any report
      const record = await repos.indicators.getByHash(kind, sha256)
      const subject = record?.subject ?? (await latestReport(sha256, kind))?.job.job.subject
      if (subject === undefined) return undefined
      const view = await port.getIndicator(kind, subject, options)
      return view === undefined ? undefined : { ...view, subject }
    },
    async getIndicator (kind, raw, options = {}) {
      const subject = canonicalSubmissionSubject(kind, raw)
      const [record, report, relatedFiles] = await Promise.all([
        repos.indicators.get(kind, subject),
        latestReport(indicatorSha256(subject), kind),
        repos.indicators.filesOf(kind, subject, options.limit ?? MAX_RELATED_INDICATORS, options)
      ])
      if (record === undefined && report === undefined && relatedFiles.length === 0) return undefined
      const anchor = await reportAnchor(repos.anchors, report)
      return { ...(record === undefined ? {} : { record }), ...(report === undefined ? {} : { report }), ...(anchor === undefined ? {} : { anchor }), relatedFiles }
    },
    relatedIndicators: async (sha256, options = {}) => await repos.indicators.indicatorsOf(sha256, options.limit ?? MAX_RELATED_INDICATORS, options),
    urlsOn: async (kind, subject, options) => await repos.indicators.urlsOn(kind, subject, options?.limit ?? MAX_RELATED_INDICATORS, options)
  }
  if (operator !== undefined) {
    port.submitAsOperator = async ({ kind, subject, context }, options) => {
      return await coordinator.submitIndicator(await operatorSubmission({ kind, subject, context }, operator.signer, operator, Date.now()), options)
    }
  }
  return port
}

/** /healthz and /metrics: the followed chain, this node's membership, its peers and its metrics. */
export function nodeStatus (operator: Hex, follower: RegistryFollower, libp2p: VirusmapLibp2p, metrics: NodeMetrics): NodeStatusReader {
  return {
    health: () => ({
      operator,
      followedBlock: follower.followedBlock,
      members: follower.membersAt(follower.followedBlock).length,
      member: follower.isMemberAt(operator, follower.followedBlock),
      peers: libp2p.getPeers().length,
      // peers known to subscribe to the jobs topic: a job published now reaches them
      jobTopicPeers: libp2p.services.pubsub.getSubscribers(TOPICS.jobs).length
    }),
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() })
  }
}

export function createApiPorts (c: ApiPortsComponents): ApiPorts {
  const { coordinator, repositories: repos, follower } = c
  const latestReport = cachedLatestReports(repos.reports)
  const memberInfo = (operator: Hex): NetworkMember => {
    const info = follower.candidate(operator)
    return { operator, peerId: info?.peerId ?? '', metadataURI: info?.metadataURI ?? '' }
  }
  return {
    ...(c.requireApiKey
      ? {
          keys: {
            find: async (key) => await repos.apiKeys.find(key),
            dayUsage: async (id, day) => await repos.apiKeys.dayUsage(id, day),
            saveDayUsage: async (entries) => { await repos.apiKeys.saveDayUsage(entries) },
            onChange: (listener) => repos.apiKeys.onChange(listener)
          }
        }
      : {}),
    evidence: evidenceReader(repos.evidence),
    anchors: anchorReader(repos.anchors),
    rewards: rewardsReader(repos.rewards),
    indicators: indicatorPort(coordinator, repos, c.operatorSigner === undefined ? undefined : { signer: c.operatorSigner, chainId: c.chainId, registry: c.registry }, latestReport),
    votes: {
      add: async (kind, sha256, vote) => await repos.votes.add({ kind, sha256, ...vote }),
      list: async (kind, sha256, limit) => (await repos.votes.list(sha256, limit, kind)).map(({ voter, verdict, date }) => ({ voter, verdict, date })),
      totals: async (kind, sha256) => await repos.votes.totals(sha256, kind)
    },
    malicious: createMaliciousFeed(repos.reports, `${c.chainId}:${c.registry.toLowerCase()}:${c.operator.toLowerCase()}`),
    network: {
      info: () => ({
        chainId: c.chainId,
        registry: c.registry,
        self: c.operator,
        ...(c.suggested === undefined ? {} : { suggested: c.suggested }),
        followedBlock: follower.followedBlock,
        members: follower.membersAt(follower.followedBlock).map(memberInfo)
      }),
      membersAt: (block) => block > follower.followedBlock ? undefined : follower.membersAt(block).map(memberInfo),
      recentReports: async (limit, options) => (await repos.reports.recent(limit, options)).map((r) => ({
        jobId: r.jobId,
        sha256: r.job.job.sha256,
        date: r.date,
        size: r.job.job.size,
        fileType: r.job.job.fileType,
        stats: r.stats,
        memberCount: r.memberCount,
        verdictCount: r.verdicts.length,
        ...(r.job.job.kind === 'file' ? {} : { kind: r.job.job.kind, subject: r.job.job.subject })
      }))
    },
    ...(c.libp2p === undefined || c.metrics === undefined ? {} : { status: nodeStatus(c.operator, follower, c.libp2p, c.metrics) }),
    submitter: {
      submitFile: async (source, meta, options) => await coordinator.submitFile(source, meta, options),
      ...(c.samples === undefined ? {} : { rescan: sampleRescans(repos.samples, c.samples, async (source, meta, options) => await coordinator.submitFile(source, meta, options)) })
    },
    ...(c.samples === undefined ? {} : { downloads: sampleDownloads(repos.samples, c.samples) }),
    analyses: {
      async getAnalysis (id: Hex): Promise<AnalysisView | undefined> {
        // a job whose report a reorg withdrew rests on membership the chain no longer has: not served
        if (await repos.reports.withdrawn(id) !== undefined) return undefined
        const first = await repos.jobs.get(id)
        const signed = coordinator.liveJob(id)?.signed ?? first?.job
        if (signed == null) return undefined
        // the analysis follows the origin's retries of a failed job (protocol SPEC section 10)
        let record = first
        for (let hops = 0; record?.retriedBy !== undefined && hops < 8; hops++) record = await repos.jobs.get(record.retriedBy) ?? record
        const jobId = record?.jobId ?? id
        const current = coordinator.liveJob(jobId)?.signed ?? record?.job ?? signed
        const { job } = current
        const report = await repos.reports.get(jobId)
        const live = coordinator.liveJob(jobId)
        const verdictCount = report?.verdicts.length ?? live?.verdicts.size ?? 0
        const commitments = live?.commitments.size ?? 0
        // failed for good once no retry is coming (the origin marks a retry it will publish)
        const failed = report == null && record?.status === 'failed' && record.retriedBy === undefined && record.retrying !== true
        const status: AnalysisStatus = report != null ? 'completed' : failed ? 'failed' : commitments > 0 ? 'in-progress' : 'queued'
        const failure = live?.failure ?? record?.failure
        const receipt = await repos.receipts.get(id)
        return {
          id,
          status,
          date: signed.job.createdAt,
          sha256: job.sha256,
          sha1: job.sha1,
          md5: job.md5,
          size: job.size,
          ...(report != null ? { report } : {}),
          ...(failed && failure !== undefined ? { failure } : {}),
          ...(jobId !== id ? { jobId } : {}),
          membershipBlock: job.membershipBlock,
          verdictCount,
          memberCount: follower.membersAt(job.membershipBlock).length,
          ...(job.kind === 'file' ? {} : { kind: job.kind, subject: job.subject }),
          ...(receipt === undefined ? {} : { receipt })
        }
      }
    },
    files: {
      async getFile (hash: Hex) {
        const sample = await repos.samples.find(hash)
        if (sample == null) return undefined
        const report = await latestReport(sample.sha256)
        const anchor = await reportAnchor(repos.anchors, report)
        return {
          ...(report != null ? { report } : {}),
          ...(anchor === undefined ? {} : { anchor }),
          sample: sampleInfo(sample)
        }
      }
    }
  }
}
