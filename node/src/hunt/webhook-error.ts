export type WebhookErrorCode =
  /** not an http(s) URL, credentials in it, too long */
  | 'BAD_URL'
  /** the host is or resolves to a loopback, private, link-local or otherwise non-public address */
  | 'PRIVATE_TARGET'
  /** the host does not resolve */
  | 'UNRESOLVED'
  /** the vendor holds no active ruleset here: nothing to notify */
  | 'NO_RULESET'
  /** this member keeps no more webhooks */
  | 'TOO_MANY_WEBHOOKS'
  | 'NO_WEBHOOK'

/** A vendor's webhook refused or not found (hunt/webhook-*.ts). */
export class WebhookError extends Error {
  override readonly name = 'WebhookError'
  readonly code: WebhookErrorCode

  constructor (code: WebhookErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
