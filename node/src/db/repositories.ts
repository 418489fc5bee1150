import { AnchorRepository } from './anchor-repository.ts'
import { ApiKeyRepository } from './apikey-repository.ts'
import { VoteRepository } from './vote-repository.ts'
import { EvidenceRepository } from './evidence-repository.ts'
import { GuardReportRepository } from './guard-report-repository.ts'
import { IndicatorRepository } from './indicator-repository.ts'
import { JobRepository } from './job-repository.ts'
import { ReceiptRepository } from './receipt-repository.ts'
import { ReportRepository } from './report-repository.ts'
import { RewardsRepository } from './rewards-repository.ts'
import { SampleRepository } from './sample-repository.ts'
import { AttestationRepository, CommitmentRepository, ComplaintRepository, VerdictRepository } from './signed-by-member-repository.ts'
import type { Database } from './database.ts'

export interface Repositories {
  samples: SampleRepository
  jobs: JobRepository
  commitments: CommitmentRepository
  verdicts: VerdictRepository
  attestations: AttestationRepository
  complaints: ComplaintRepository
  reports: ReportRepository
  evidence: EvidenceRepository
  apiKeys: ApiKeyRepository
  votes: VoteRepository
  indicators: IndicatorRepository
  anchors: AnchorRepository
  receipts: ReceiptRepository
  rewards: RewardsRepository
  guardReports: GuardReportRepository
}

export function createRepositories (db: Database): Repositories {
  return {
    samples: new SampleRepository(db),
    jobs: new JobRepository(db),
    commitments: new CommitmentRepository(db),
    verdicts: new VerdictRepository(db),
    attestations: new AttestationRepository(db),
    complaints: new ComplaintRepository(db),
    reports: new ReportRepository(db),
    evidence: new EvidenceRepository(db),
    apiKeys: new ApiKeyRepository(db),
    votes: new VoteRepository(db),
    indicators: new IndicatorRepository(db),
    anchors: new AnchorRepository(db),
    receipts: new ReceiptRepository(db),
    rewards: new RewardsRepository(db),
    guardReports: new GuardReportRepository(db)
  }
}
