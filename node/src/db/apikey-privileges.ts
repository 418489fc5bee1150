/**
 * What an API key may do beyond the routes every key reaches (upload, lookups, analyses, votes,
 * the VirusMap views). A closed set, granted by the operator per key; VirusTotal answers 403
 * ForbiddenError to a key that lacks one.
 */
export const API_KEY_PRIVILEGES = [
  /** GET /api/v3/files/{id}/download: the sample's bytes */
  'download'
] as const
export type ApiKeyPrivilege = typeof API_KEY_PRIVILEGES[number]

export function isApiKeyPrivilege (value: unknown): value is ApiKeyPrivilege {
  return typeof value === 'string' && (API_KEY_PRIVILEGES as readonly string[]).includes(value)
}
