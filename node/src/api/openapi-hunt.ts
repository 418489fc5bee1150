// The hunt routes in the hand-written OpenAPI document (routes/docs.ts; the routes are routes/hunt.ts, SPEC 19).
import { HUNT_AUTH_HEADER } from '#protocol/hunt/access.ts'
import { MAX_REGISTRATION_BYTES } from '#protocol/hunt/registration.ts'
import { errors, json, KEY_ERRORS, pathId } from './openapi-parts.ts'

const VENDOR = { name: 'vendor', in: 'query', required: true, description: 'the vendor\'s address, 20 bytes in lowercase 0x hex', schema: { type: 'string', pattern: '^0x[0-9a-f]{40}$' } }
const ACCESS = {
  name: HUNT_AUTH_HEADER,
  in: 'header',
  required: true,
  description: '<issuedAt>.<signature>: the vendor\'s EIP-712 HuntAccess(address vendor,address node,uint64 issuedAt) naming this node\'s operator address, signed within 5 minutes (SPEC 19); 401 otherwise',
  schema: { type: 'string' }
}
const SEQ = (name: string, description: string): Record<string, unknown> => ({ name, in: 'query', description, schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' } })
const RULESET = '{"type":"hunt_ruleset","id":RULESET_ID,"attributes":{order_id,paid_until,registered_at}}'
const WEBHOOK = '{"data":{"type":"hunt_webhook","id":VENDOR,"attributes":{url,set_at,delivered_seq}}}'
const MATCH = '{"type":"hunt_match","id":SEQ,"attributes":{"type":"hunt-match","match":{rulesetId,member,jobId,sha256,membershipBlock,rules,matchedAt},"signature"}}'

export const HUNT_PATHS = {
  '/api/virusmap/hunt/rulesets': {
    post: {
      summary: `VirusMap: register a sealed YARA ruleset paid by a DataMarket hunt order (SPEC 19): a HuntRegistration (JSON, exact keys, at most ${MAX_REGISTRATION_BYTES} bytes) ` +
        'whose seal to this member opens and whose rules compile; members run it on every new file report (Livehunt) until the order\'s deadline. No route returns a ruleset\'s source',
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['vendor', 'rulesetId', 'orderId', 'membershipBlock', 'ciphertext', 'ephemeralPublicKey', 'seals'] } } } },
      responses: { 200: json(`{"data":${RULESET}}`), ...errors(400, ...KEY_ERRORS, 403, 413, 503) }
    },
    get: {
      summary: 'VirusMap: the vendor\'s active rulesets at this member',
      parameters: [VENDOR, ACCESS],
      responses: { 200: json(`{"data":[${RULESET}]}`), ...errors(400, ...KEY_ERRORS, 503) }
    }
  },
  '/api/virusmap/hunt/rulesets/{id}/retro': {
    post: {
      summary: 'VirusMap: a Retrohunt of one of the vendor\'s rulesets over this member\'s stored file reports, oldest first, bounded in samples, bytes and time; one at a time per member (429 while one runs)',
      parameters: [pathId('id', 'the rulesetId, 32 bytes in lowercase 0x hex', '^0x[0-9a-f]{64}$'), VENDOR, ACCESS],
      responses: { 200: json(`{"data":{"type":"hunt_retrohunt","id":RULESET_ID,"attributes":{scanned,bytes,ms,stopped_by,timed_out},"matches":[${MATCH}]}}`), ...errors(400, ...KEY_ERRORS, 404, 503) }
    }
  },
  '/api/virusmap/hunt/matches': {
    get: {
      summary: 'VirusMap: this member\'s signed match notifications for the vendor, after a sequence number; a match is confirmed once f+1 members signed it (the vendor counts signers itself)',
      parameters: [VENDOR, ACCESS, SEQ('after', 'the last sequence number read (default 0)'), { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }],
      responses: { 200: json(`{"data":[${MATCH}],"meta":{"cursor":SEQ}}`), ...errors(400, ...KEY_ERRORS, 503) }
    }
  },
  '/api/virusmap/hunt/webhook': {
    put: {
      summary: 'VirusMap: set the URL this member POSTs each of the vendor\'s signed match notifications to (the body is the SSE event\'s data; headers x-virusmap-member, x-virusmap-vendor, x-virusmap-hunt-seq), ' +
        'after the newest one; retried with backoff on errors, 408, 429 and 5xx; public addresses only unless the operator allows private ones (403 otherwise); only for a vendor with an active ruleset here',
      parameters: [VENDOR, ACCESS],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['url'], properties: { url: { type: 'string', maxLength: 2048 } }, additionalProperties: false } } } },
      responses: { 200: json(WEBHOOK), ...errors(400, ...KEY_ERRORS, 403, 429, 503) }
    },
    get: {
      summary: 'VirusMap: the vendor\'s webhook at this member and the last sequence delivered (404: none)',
      parameters: [VENDOR, ACCESS],
      responses: { 200: json(WEBHOOK), ...errors(400, ...KEY_ERRORS, 404, 503) }
    },
    delete: {
      summary: 'VirusMap: remove the vendor\'s webhook at this member; notifications stay readable at /api/virusmap/hunt/matches (404: none)',
      parameters: [VENDOR, ACCESS],
      responses: { 204: { description: 'removed' }, ...errors(400, ...KEY_ERRORS, 404, 503) }
    }
  },
  '/api/virusmap/hunt/matches/stream': {
    get: {
      summary: 'VirusMap: the same notifications as server-sent events (event: hunt-match, id: the sequence), resumable with Last-Event-ID; bounded per vendor and node, a client that does not read is cut',
      parameters: [VENDOR, ACCESS, SEQ('after', 'where to resume when no Last-Event-ID header is sent'), { name: 'last-event-id', in: 'header', schema: { type: 'string' } }],
      responses: { 200: { description: 'text/event-stream of hunt-match events', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(400, ...KEY_ERRORS, 503) }
    }
  }
} as const
