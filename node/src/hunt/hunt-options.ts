/**
 * Hunting's keys in a node's config file (SPEC 19), their defaults and validation; config.ts composes them
 * with the other subsystems' options under the same names.
 */
export interface HuntOptions {
  /**
   * Whether vendors' hunt webhooks may point at loopback, private, link-local and other non-public addresses.
   * Off by default: a vendor's URL must not make this member reach its own network (SSRF); an operator whose
   * vendors' receivers are on its LAN turns it on.
   */
  huntWebhookAllowPrivate: boolean
}

export const HUNT_DEFAULTS = {
  huntWebhookAllowPrivate: false
} as const satisfies HuntOptions

/** What is wrong with the hunt options of a config object whose defaults are filled in; undefined: nothing. */
export function checkHuntOptions (cfg: Record<string, unknown>): string | undefined {
  if (typeof cfg.huntWebhookAllowPrivate !== 'boolean') return 'huntWebhookAllowPrivate must be true or false'
  return undefined
}
