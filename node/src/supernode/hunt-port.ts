// The hunt as the API serves it (api/routes/hunt.ts): the service, and the check of a vendor's
// HuntAccess header against this node's operator address and clock. An adapter to the API's port,
// so it sits with the others (api-adapters.ts) and hunt/ does not import api/.
import { checkHuntAccess } from '#protocol/hunt/access.ts'
import type { Hex } from '#protocol/messages.ts'
import type { HuntPort } from '../api/ports/index.ts'
import type { HuntService } from '../hunt/hunt-service.ts'

export function createHuntPort (service: HuntService, opts: { self: Hex, chainId: number, registry: Hex, now?: () => number, webhooks?: HuntPort['webhooks'] }): HuntPort {
  const now = opts.now ?? Date.now
  return {
    register: async (reg, options) => await service.register(reg, options),
    rulesets: (vendor) => service.rulesets(vendor),
    matches: async (vendor, after, limit, options) => await service.matches(vendor, after, limit, options),
    subscribe: (vendor, listener) => service.subscribe(vendor, listener),
    subscribers: (vendor) => service.subscribers(vendor),
    retro: async (vendor, rulesetId, options) => await service.retro(vendor, rulesetId, options),
    ...(opts.webhooks === undefined ? {} : { webhooks: opts.webhooks }),
    checkAccess: (header, vendor) => checkHuntAccess(header, { node: opts.self, now: now(), chainId: opts.chainId, registry: opts.registry, vendor })
  }
}
