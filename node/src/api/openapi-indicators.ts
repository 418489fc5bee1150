import { ANCHOR_ATTRIBUTE, errors, json, KEY_ERRORS, NOT_MODIFIED, pathId } from './openapi-parts.ts'

const URL_ID = pathId('id', 'the URL in unpadded base64url (VirusTotal\'s url id), or the sha256 of the canonical URL in hex (found once a report exists)')
const DOMAIN = pathId('id', 'a domain; IDN names are looked up as their punycode form (a homograph is its own name)')
const IP = pathId('id', 'an IPv4 dotted quad or an IPv6 address')
const FILE_ID = pathId('id', 'sha256, sha1 or md5 in hex')
const PAGE = [
  { name: 'limit', in: 'query', description: 'objects per page', schema: { type: 'integer', minimum: 1, maximum: 40, default: 10 } },
  { name: 'cursor', in: 'query', description: 'meta.cursor of the previous page', schema: { type: 'string' } }
]
const OBJECT = 'attributes: last_analysis_results, last_analysis_stats, last_analysis_date (once reported), first_submission_date, last_submission_date, ' +
  'times_submitted (distinct submitting wallets), total_votes, reputation (harmless minus malicious votes), virusmap {kind, subject, context, submitters, and with a report: job_id, chain_id, registry, membership_block, member_count, fault_divisor, quorum, verdicts, job}, ' + ANCHOR_ATTRIBUTE
const NOT_KNOWN = ' NotFoundError when this node holds no submission, no report and no file relation for it (the network keeps no passive DNS or WHOIS to answer with).'
const DERIVED = ' The host of a submitted URL is one: the URL job\'s origin submits it as a job of its own (signed by its operator, context "the host of URL <url id>"), so it has its own analysis shortly after the URL\'s. The host as written (www.example.com, not example.com), tld its last label.'
const STATIC = ' From static extraction: the URLs, domains and IPs members\' engines found inside samples (VirusTotal\'s communicating_files needs a sandbox the network does not run).'
const COLLECTION = '{"data":[objects],"meta":{"count":N,"cursor"?},"links":{"self","next"?}}'
const SUBMISSION_FIELDS = {
  context: { type: 'string', description: 'what the submitter says about it, <= 1024 UTF-8 bytes' },
  submitter: { type: 'string', description: 'the signing wallet, 0x address' },
  submitted_at: { type: 'integer', description: 'the signed time, ms since the epoch (within the last 10 minutes)' },
  signature: { type: 'string', description: 'EIP-712 Submission {kind, sha256 of the canonical subject, context, submittedAt} under the deployment\'s domain (chain id and registry from /api/virusmap/network)' }
}

const votes = (collection: string, id: Record<string, unknown>): Record<string, unknown> => ({
  get: {
    summary: `Community votes on a ${collection} object, newest first (this node's own; not gossiped)`,
    parameters: [id, PAGE[0]],
    responses: { 200: json('{"data":[{"type":"vote","id":ID,"attributes":{date,verdict,value}}],"meta":{"count":N}}'), ...errors(400, ...KEY_ERRORS, 404) }
  },
  post: {
    summary: `Vote on a ${collection} object, once per API key`,
    parameters: [id],
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', example: { data: { type: 'vote', attributes: { verdict: 'malicious' } } } } } } },
    responses: { 200: json('{"data":{"type":"vote",...}}'), ...errors(400, ...KEY_ERRORS, 404, 409) }
  }
})

/** The indicator paths of the OpenAPI document: VirusTotal's urls, domains and ip_addresses, and VirusMap's indicators. */
export const INDICATOR_PATHS = {
  '/api/v3/urls': {
    post: {
      summary: 'Submit a URL for evaluation by the members\' indicator engines. VirusTotal tools do not sign: such a URL is submitted by this node\'s operator wallet as submitter. ' +
        'A client may sign the Submission itself by adding submitter, submitted_at and signature (checked: 400 when it is not the submitter\'s over this URL and context).',
      requestBody: {
        required: true,
        content: Object.fromEntries(['application/x-www-form-urlencoded', 'multipart/form-data'].map((type) => [type, { schema: { type: 'object', required: ['url'], properties: { url: { type: 'string', description: 'http, https, ftp, data or javascript URL, <= 2048 bytes canonical' }, ...SUBMISSION_FIELDS } } }]))
      },
      responses: { 200: json('{"data":{"type":"analysis","id":JOB_ID,"links":{"self":URL}}}: poll /api/v3/analyses/{id}'), ...errors(400, ...KEY_ERRORS, 413, 503) }
    }
  },
  '/api/v3/urls/{id}': { get: { summary: `URL object: ${OBJECT}, url, last_final_url (the URL as submitted: members do not fetch it), tld (of a domain host), virusmap.network_location {type, id} (null without a host).${NOT_KNOWN}`, parameters: [URL_ID], responses: { 200: json('{"data":{"type":"url","id":SHA256,"attributes":{...}}}'), ...NOT_MODIFIED, ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/urls/{id}/network_location': { get: { summary: 'The domain or IP address object the URL\'s host names (userinfo, port and trailing dot dropped; an IP literal is an ip_address); only its descriptor {type, id, links} while this node does not know it yet; data null for a URL without a host (data:, javascript:).', parameters: [URL_ID], responses: { 200: json('{"data":DOMAIN_OR_IP_OBJECT|null,"links":{"self"},"meta":{"count":1|0}}'), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/urls/{id}/relationships/network_location': { get: { summary: 'The descriptor of the URL\'s network location.', parameters: [URL_ID], responses: { 200: json('{"data":{"type":"domain"|"ip_address","id"}|null,"links":{"self","related"},"meta":{"count":1|0}}'), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/urls/{id}/referrer_files': { get: { summary: `Files that contain the URL.${STATIC}`, parameters: [URL_ID, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/urls/{id}/votes': votes('url', URL_ID),
  '/api/v3/domains/{id}': { get: { summary: `Domain object: ${OBJECT}, tld.${NOT_KNOWN}${DERIVED}`, parameters: [DOMAIN], responses: { 200: json('{"data":{"type":"domain","id":DOMAIN,"attributes":{...}}}'), ...NOT_MODIFIED, ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/domains/{id}/referrer_files': { get: { summary: `Files that contain the domain.${STATIC}`, parameters: [DOMAIN, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/domains/{id}/votes': votes('domain', DOMAIN),
  '/api/v3/domains/{id}/urls': { get: { summary: 'The submitted URLs whose host is this domain, as written (a subdomain\'s URLs are its own); URL objects, or descriptors of URLs this node has no record of.', parameters: [DOMAIN, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/ip_addresses/{id}': { get: { summary: `IP address object: ${OBJECT}.${NOT_KNOWN} The IP literal host of a submitted URL is one, submitted by the URL job's origin (nodes resolve no names, so a domain host gives no IP).`, parameters: [IP], responses: { 200: json('{"data":{"type":"ip_address","id":IP,"attributes":{...}}}'), ...NOT_MODIFIED, ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/ip_addresses/{id}/urls': { get: { summary: 'The submitted URLs whose host is this IP literal.', parameters: [IP, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/ip_addresses/{id}/referrer_files': { get: { summary: `Files that contain the IP address.${STATIC}`, parameters: [IP, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/ip_addresses/{id}/votes': votes('ip_address', IP),
  '/api/v3/files/{id}/embedded_urls': { get: { summary: `URLs found inside the file.${STATIC}`, parameters: [FILE_ID, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/files/{id}/embedded_domains': { get: { summary: `Domains found inside the file.${STATIC}`, parameters: [FILE_ID, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/v3/files/{id}/embedded_ips': { get: { summary: `IP addresses found inside the file.${STATIC}`, parameters: [FILE_ID, ...PAGE], responses: { 200: json(COLLECTION), ...errors(400, ...KEY_ERRORS, 404) } } },
  '/api/virusmap/indicators': {
    post: {
      summary: 'VirusMap: submit any indicator (url, domain, ip, wallet, script), signed by the submitter\'s wallet (required here)',
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['kind', 'value', 'submitter', 'submitted_at', 'signature'], properties: { kind: { enum: ['url', 'domain', 'ip', 'wallet', 'script'] }, value: { type: 'string' }, ...SUBMISSION_FIELDS } } } } },
      responses: { 200: json('{"data":{"type":"analysis","id":JOB_ID,"links":{"self"}},"meta":{"kind","subject"}}'), ...errors(400, ...KEY_ERRORS, 503) }
    }
  },
  '/api/virusmap/indicators/{kind}/{value}': {
    get: {
      summary: `VirusMap: any indicator's object (types url, domain, ip_address, wallet, script): ${OBJECT}.${NOT_KNOWN}`,
      parameters: [
        pathId('kind', 'url, domain, ip, wallet or script'),
        pathId('value', 'the indicator, percent-encoded: a URL, a domain, an IP, a wallet as CAIP-10 eip155:<chainId>:0x… or 0x… (chain 1; mixed case must pass EIP-55), a page script as its sha256 in hex')
      ],
      responses: { 200: json('{"data":{"type":TYPE,"id":ID,"attributes":{...}}}'), ...NOT_MODIFIED, ...errors(400, ...KEY_ERRORS, 404) }
    }
  }
}
