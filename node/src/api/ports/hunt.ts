import type { Hex } from '#protocol/messages.ts'
import type { HuntService } from '../../hunt/hunt-service.ts'
import type { WebhookDispatcher } from '../../hunt/webhook-dispatcher.ts'

/** What the hunt routes need (SPEC 19): the service, and the check of a vendor's access header at this node. */
export interface HuntPort extends Pick<HuntService, 'register' | 'rulesets' | 'matches' | 'subscribe' | 'subscribers' | 'retro'> {
  /** the vendor the header grants access for; throws HuntError BAD_ACCESS / ACCESS_EXPIRED */
  checkAccess(header: unknown, vendor: Hex): Hex
  /** the vendor's webhook at this member (hunt/webhook-dispatcher.ts); absent: webhooks are not offered here */
  webhooks?: Pick<WebhookDispatcher, 'set' | 'get' | 'clear'>
}
