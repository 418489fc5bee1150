import { createPeerScoreParams, createPeerScoreThresholds, createTopicScoreParams } from '@libp2p/gossipsub/score'
import { TOPICS } from '#protocol/messages.ts'
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score'

/**
 * Peer scoring for the VirusMap topics. Traffic is low-rate and bursty (one job, one commitment
 * and one reveal per member per sample), so mesh-delivery penalties are off: they would punish
 * honest members during quiet hours. What scoring must catch is invalid messages: every topic
 * weighs them heavily, so a member that floods bad signatures or malformed bytes is graylisted
 * within a handful of messages while honest traffic keeps flowing.
 */
function topicParams (weight: number): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: weight,
    timeInMeshWeight: 0.03,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 50,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.99
  })
}

export function virusmapScoreParams (): Partial<PeerScoreParams> {
  return createPeerScoreParams({
    topics: {
      [TOPICS.jobs]: topicParams(1),
      [TOPICS.commits]: topicParams(0.5),
      [TOPICS.verdicts]: topicParams(1),
      [TOPICS.attestations]: topicParams(1),
      [TOPICS.complaints]: topicParams(0.5),
      // a proposal and n signatures per epoch: rare, and an invalid one is as bad as on any topic
      [TOPICS.anchors]: topicParams(0.5),
      // only members' double-signed pairs validate: rare, and a forged pair is provably bad
      [TOPICS.evidence]: topicParams(0.5),
      // n signatures per epoch's rewards root: rare, and a forged one is provably bad
      [TOPICS.rewards]: topicParams(0.5),
      // n Delivered signatures per order at most: as rare as orders, and a forged one is provably bad
      [TOPICS.market]: topicParams(0.5),
      // a member's commitments, reveals and attestations together: weighed as the verdicts they carry
      [TOPICS.bundles]: topicParams(1)
    },
    topicScoreCap: 100,
    appSpecificScore: () => 0,
    appSpecificWeight: 1,
    // all devnet peers share 127.0.0.1: colocation must not be punished
    IPColocationFactorWeight: 0,
    behaviourPenaltyWeight: -10,
    behaviourPenaltyDecay: 0.99,
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 3_600_000
  })
}

export function virusmapScoreThresholds (): Partial<PeerScoreThresholds> {
  return createPeerScoreThresholds({
    gossipThreshold: -500,
    publishThreshold: -1000,
    graylistThreshold: -2500,
    acceptPXThreshold: 10,
    opportunisticGraftThreshold: 5
  })
}
