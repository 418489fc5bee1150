import type { GovernanceReader } from '../../chain/governance-reader.ts'
import type { AnalysisReader } from './analyses.ts'
import type { AnchorReader } from './anchors.ts'
import type { ApiKeyReader } from './api-keys.ts'
import type { EvidenceReader } from './evidence.ts'
import type { BlockReader, FileReader, SampleDownloads, SampleSubmitter } from './files.ts'
import type { HuntPort } from './hunt.ts'
import type { IndicatorPort } from './indicators.ts'
import type { MaliciousFeedReader } from './malicious.ts'
import type { MarketDeliveryReader } from './market.ts'
import type { NetworkReader, NodeStatusReader } from './network.ts'
import type { RewardsReader } from './rewards.ts'
import type { VoteStore } from './votes.ts'
import type { DepositNotices } from './rewards.ts'

/**
 * What the HTTP API needs from the node. The API knows nothing else of it, so it can be tested with
 * small in-memory implementations and the node can change behind it (node/test/api/ports-compliance.ts
 * holds the supernode's adapters and the test double to the same behaviour).
 *
 * What a port returns is never changed in place afterwards: a changed report, record or list is a
 * new object. The API answers from a body it serialized while what the body was built from is the
 * same object or equal (object-cache.ts). Errors a port may throw: port-errors.ts.
 */
export interface ApiPorts {
  submitter: SampleSubmitter
  analyses: AnalysisReader
  files: FileReader
  status?: NodeStatusReader
  network?: NetworkReader
  keys?: ApiKeyReader
  votes?: VoteStore
  evidence?: EvidenceReader
  anchors?: AnchorReader
  downloads?: SampleDownloads
  governance?: GovernanceReader
  indicators?: IndicatorPort
  malicious?: MaliciousFeedReader
  market?: MarketDeliveryReader
  /** hunting (SPEC 19), where the deployment has a DataMarket */
  hunt?: HuntPort
  blocks?: BlockReader
  rewards?: RewardsReader
  /** what a signed upload's wallet is told when its deposit does not cover it (SPEC 17 rule 0) */
  deposits?: DepositNotices
}
