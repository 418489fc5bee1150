import { validateEquivocation } from '#protocol/index.ts'
import type { Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { CheckedEvidence } from '#protocol/evidence.ts'
import type { EquivocationMessage } from '#protocol/messages.ts'
import type { ValidationContext } from '#protocol/validation.ts'
import type { Repositories } from '../db/repositories.ts'
import type { Gossip } from '../network/gossip.ts'

export interface EvidenceGossipComponents {
  gossip: Pick<Gossip, 'publish' | 'handle'>
  ctx: ValidationContext
  repos: Pick<Repositories, 'evidence'>
  logger: Logger
  now: () => number
  /** a pair received on the topic, checked: the job's state holds both messages (SPEC 7) */
  onReceived?: (evidence: CheckedEvidence) => void
  /** a pair newly kept, seen here or received: proven on chain in turn (SPEC 16) */
  onKept?: (evidence: CheckedEvidence) => void
}

export interface EvidenceGossip extends Startable {
  /** equivocation this node saw itself: kept, then gossiped once so every node holds it (SPEC 16) */
  keep(evidence: CheckedEvidence): void
}

/**
 * Evidence of equivocation on its own topic. A conflicting second message is rejected on its topic, so
 * it stops at the peers that first saw it; the pair travels here instead, and any node can then submit
 * it to EquivocationEvidence (`virusmap evidence submit`). Validation is pure; the durable write waits
 * outside gossipsub's validator. The first pair per (member, job, kind) is kept and sent on; gossipsub
 * forwards what validates, so a received pair is not published again.
 */
export function createEvidenceGossip (c: EvidenceGossipComponents): EvidenceGossip {
  const { gossip, ctx, repos, logger, now } = c

  async function store (e: CheckedEvidence): Promise<boolean> {
    return await repos.evidence.add({ ...e, recordedAt: now() } as Parameters<typeof repos.evidence.add>[0])
  }

  return {
    keep (e) {
      store(e).then(async (added) => {
        if (!added) return
        c.onKept?.(e)
        logger.warn({ jobId: e.jobId, member: e.member, kind: e.kind }, 'equivocation; evidence kept and gossiped')
        await gossip.publish('evidence', { type: 'evidence', kind: e.kind, first: e.first, second: e.second } as EquivocationMessage)
      }).catch((err) => { logger.error({ err, jobId: e.jobId, member: e.member }, 'keeping or gossiping evidence failed') })
    },
    start () {
      gossip.handle('evidence', (msg) => {
        const checked = validateEquivocation(msg, ctx)
        c.onReceived?.(checked)
        store(checked).then((added) => {
          if (!added) return
          c.onKept?.(checked)
          logger.warn({ jobId: checked.jobId, member: checked.member, kind: checked.kind }, 'equivocation evidence received')
        }).catch((err) => { logger.error({ err, jobId: checked.jobId }, 'persisting received evidence failed') })
      })
    },
    stop () {}
  }
}
