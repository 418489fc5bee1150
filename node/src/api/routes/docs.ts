import type { FastifyInstance } from 'fastify'
import { VT_ERRORS } from '../../vt/errors.ts'
import { ANCHOR_ATTRIBUTE, errors, json, KEY_ERRORS, NOT_MODIFIED, pathId } from '../openapi-parts.ts'
import { INDICATOR_PATHS } from '../openapi-indicators.ts'
import { HUNT_PATHS } from '../openapi-hunt.ts'
import { FEED_CURSOR_PATTERN } from './malicious.ts'


/**
 * The OpenAPI 3.1 description of what this server answers, written by hand so it stays the
 * contract (VirusTotal's shapes) rather than an echo of the route code.
 */
export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'VirusMap supernode API',
    version: '0.1.0',
    description: 'A VirusTotal API v3 subset (existing VirusTotal clients work by changing the host) and VirusMap extensions. ' +
      'Errors are VirusTotal error objects {"error":{"code","message"}}; dates are integer epoch seconds. ' +
      'Reports carry the signed scan job and every member\'s signed verdict (attributes.virusmap), so clients can verify them against the chain.'
  },
  components: {
    securitySchemes: { apikey: { type: 'apiKey', in: 'header', name: 'x-apikey' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string', enum: Object.keys(VT_ERRORS) }, message: { type: 'string' } } } }
      }
    }
  },
  security: [{ apikey: [] }],
  paths: {
    '/api/v3/files': {
      post: {
        summary: 'Upload a file for scanning; a wallet\'s signed Submission (fields before the file) names it in the job and earns a receipt',
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: {
                  sha256: { type: 'string', description: 'signed upload: the file\'s sha256, 0x hex (this and the fields below go before the file)' },
                  submitter: { type: 'string', description: 'the signing wallet\'s 0x address' },
                  submitted_at: { type: 'string', description: 'ms since the epoch, as signed' },
                  signature: { type: 'string', description: 'EIP-712 Submission(kind "file", sha256, context, submittedAt), 65 bytes 0x hex' },
                  context: { type: 'string', description: 'signed with the rest; at most 1024 UTF-8 bytes' },
                  file: { type: 'string', format: 'binary' }
                }
              }
            }
          }
        },
        responses: { 200: json('{"data":{"type":"analysis","id":JOB_ID,"links":{"self":URL}},"meta"?:{"receipt":{sha256,submitter,submittedAt,receivedAt,jobId,signature}}}'), ...errors(400, ...KEY_ERRORS, 413, 503) }
      }
    },
    '/api/v3/files/upload_url': {
      get: { summary: 'URL to upload files of any accepted size to', responses: { 200: json('{"data": URL}'), ...errors(...KEY_ERRORS) } }
    },
    '/api/v3/files/{id}': {
      get: {
        summary: 'File object by sha256, sha1 or md5',
        parameters: [pathId('id', 'sha256, sha1 or md5 in hex', '^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$')],
        responses: { 200: json('{"data":{"type":"file","id":SHA256,"attributes":{...last_analysis_results, last_analysis_stats, virusmap, virusmap_anchor?}}}; ' + ANCHOR_ATTRIBUTE), ...NOT_MODIFIED, ...errors(400, ...KEY_ERRORS, 404) }
      }
    },
    '/api/v3/files/{id}/analyse': {
      post: {
        summary: 'Rescan a file this node holds: a new analysis (or the one in flight)',
        parameters: [pathId('id', 'sha256, sha1 or md5 in hex', '^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$')],
        responses: { 200: json('{"data":{"type":"analysis","id":JOB_ID,"links":{"self":URL}}}'), ...errors(400, ...KEY_ERRORS, 404, 503) }
      }
    },
    '/api/v3/files/{id}/download': {
      get: {
        summary: 'The sample itself (decrypted, streamed), for API keys the operator granted the "download" privilege; each download is audit-logged',
        parameters: [pathId('id', 'sha256, sha1 or md5 in hex', '^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$')],
        responses: {
          200: { description: 'the bytes; content-disposition names the sha256. A transfer cut short of content-length is void.', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          ...errors(400, ...KEY_ERRORS, 403, 404)
        }
      }
    },
    ...INDICATOR_PATHS,
    ...HUNT_PATHS,
    '/api/v3/files/{id}/votes': {
      get: {
        summary: 'Community votes on a file, newest first (this node\'s own; not gossiped)',
        parameters: [pathId('id', 'sha256, sha1 or md5 in hex'), { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 40, default: 10 } }],
        responses: { 200: json('{"data":[{"type":"vote","id":ID,"attributes":{date,verdict,value}}],"meta":{"count":N}}'), ...errors(400, ...KEY_ERRORS, 404) }
      },
      post: {
        summary: 'Vote on a file, once per API key',
        parameters: [pathId('id', 'sha256, sha1 or md5 in hex')],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', example: { data: { type: 'vote', attributes: { verdict: 'malicious' } } } } } } },
        responses: { 200: json('{"data":{"type":"vote",...}}'), ...errors(400, ...KEY_ERRORS, 404, 409) }
      }
    },
    '/api/v3/analyses/{id}/item': {
      get: {
        summary: 'The object an analysis is about: a file, or the url / domain / ip_address / wallet / script object of an indicator job',
        parameters: [pathId('id', 'analysis id', '^(0x)?[0-9a-fA-F]{64}$')],
        responses: { 200: json('{"data":{"type":"file",...}}'), ...NOT_MODIFIED, ...errors(400, ...KEY_ERRORS, 404) }
      }
    },
    '/api/v3/analyses/{id}': {
      get: {
        summary: 'Analysis (scan job) status and results; poll until status is "completed"',
        parameters: [pathId('id', 'analysis id: the scan job id, 32 bytes in hex', '^(0x)?[0-9a-fA-F]{64}$')],
        responses: { 200: json('{"data":{"type":"analysis","id":ID,"attributes":{status,stats,results,date}},"meta":{"file_info":{...}}}'), ...errors(400, ...KEY_ERRORS, 404) }
      }
    },
    '/api/virusmap/network': {
      get: { summary: 'VirusMap: chain, registry and the members this node follows, with the engines each registered', responses: { 200: json('{"data":{"type":"network","attributes":{chain_id,registry,rpc_url?,parameters?,anchors?,governor?,rewards?,self,followed_block,members:[{operator,peer_id,metadata_uri,engines}]}}}'), ...errors(...KEY_ERRORS, 503) } }
    },
    '/api/virusmap/members/{block}': {
      get: {
        summary: 'VirusMap: members at a registry block, as this node read them from the chain',
        parameters: [pathId('block', 'block number', '^[0-9]{1,15}$')],
        responses: { 200: json('{"data":{"type":"membership","attributes":{block,members}}}'), ...errors(400, ...KEY_ERRORS, 404, 503) }
      }
    },
    '/api/virusmap/reports': {
      get: {
        summary: 'VirusMap: the most recent quorum reports this node holds, newest first',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }],
        responses: { 200: json('{"data":[{"type":"report","id":JOB_ID,"attributes":{sha256,date,size,type_tag,stats,member_count,verdict_count}}]}'), ...errors(400, ...KEY_ERRORS, 503) }
      }
    },
    '/api/virusmap/anchors': {
      get: {
        summary: 'VirusMap: the epochs anchored on chain this node has seen (SPEC 15), newest first; with epoch, that epoch and the job ids of its leaves (null until this node matched its root to the proposal)',
        parameters: [
          { name: 'epoch', in: 'query', schema: { type: 'integer', minimum: 0 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'before', in: 'query', description: 'list epochs below this one', schema: { type: 'integer', minimum: 0 } }
        ],
        responses: { 200: json('{"data":[{"type":"anchor_epoch","id":EPOCH,"attributes":{epoch,root,leaf_count,block,tx,job_ids?}}]} (with epoch: one object, job_ids included)'), ...errors(400, ...KEY_ERRORS, 404, 503) }
      }
    },
    '/api/virusmap/rewards/{epoch}': {
      get: {
        summary: 'VirusMap: the rewards this member computed for an epoch (SPEC 17): the tree\'s root and total (null root: nobody has earned), the epoch\'s amounts, and why each paid report earned what it did. Amounts are decimal wei',
        parameters: [
          { name: 'epoch', in: 'path', required: true, description: 'an epoch, or latest (the newest computed here)', schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14}|latest)$' } },
          { name: 'limit', in: 'query', description: 'items at most', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'offset', in: 'query', description: 'items to skip', schema: { type: 'integer', minimum: 0, maximum: 1000000, default: 0 } }
        ],
        responses: { 200: json('{"data":{"type":"rewards_epoch","id":EPOCH,"attributes":{epoch,paid_epoch,root,total,paid,budget,reports,leaf_count,amounts:{ADDRESS:WEI},members:{ADDRESS:WEI},item_count,items:[{job_id,item,submitter,class,outcome,family,listed,confirmed_later,duplicate_index,precision:[confirmed,submitted],raw,amount,evidence:{needed,detected,flagged,malicious_engines,suspicious_engines,test_signature},steps:[{rule,factor:"NUM/DEN",amount}]}]}}}'), ...errors(400, ...KEY_ERRORS, 404, 503) }
      }
    },
    '/api/virusmap/rewards/{epoch}/{address}': {
      get: {
        summary: 'VirusMap: an address in an epoch\'s rewards tree: its cumulative amount and the Merkle proof RewardsDistributor.claim takes (cumulative "0" and no proof when it has no leaf), what the epoch paid it, and the paid reports it submitted',
        parameters: [
          { name: 'epoch', in: 'path', required: true, description: 'an epoch, or latest', schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14}|latest)$' } },
          { name: 'address', in: 'path', required: true, schema: { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' } },
          { name: 'limit', in: 'query', description: 'items at most', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } }
        ],
        responses: { 200: json('{"data":{"type":"rewards_account","id":"EPOCH:ADDRESS","attributes":{epoch,root,account,cumulative,proof:[BYTES32],amount,member_amount,items:[...]}}}'), ...errors(400, ...KEY_ERRORS, 404, 503) }
      }
    },
    '/api/virusmap/malicious': {
      get: {
        summary: 'VirusMap: wallets, domains and page scripts whose stored report has malicious verdicts, in the order this node stored the reports, each with its full signed report (what wallet guards mirror, verifying every report with the light client)',
        parameters: [
          { name: 'cursor', in: 'query', description: 'meta.cursor of the previous page (opaque; given on the last page too, so a mirror resumes from it). A cursor names the node that issued it: another node answers 400', schema: { type: 'string', pattern: FEED_CURSOR_PATTERN } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } }
        ],
        responses: { 200: json('{"data":[{"type":"malicious_subject","id":"KIND:SUBJECT","attributes":{kind,subject,report}}],"meta":{cursor?,more}}'), ...errors(400, ...KEY_ERRORS, 503) }
      }
    },
    '/api/virusmap/blocks/{cid}': {
      get: {
        summary: 'VirusMap: one encrypted block this node holds, raw (application/vnd.ipld.raw); check it against its CID. How a buyer fetches a bought sample\'s ciphertext (SPEC 18)',
        parameters: [{ name: 'cid', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'the block\'s bytes', content: { 'application/vnd.ipld.raw': {} } }, ...errors(400, ...KEY_ERRORS, 404, 503) }
      }
    },
    '/api/virusmap/market/orders/{id}/delivery': {
      get: {
        summary: 'VirusMap: this member\'s delivery of a data-market order (SPEC 18): the sample\'s (or the epoch feed\'s) key wrapped to the order\'s buyer key and its Delivered signature; the ciphertext is the CID, sha256 the sample\'s or the feed\'s digest',
        parameters: [{ name: 'id', in: 'path', required: true, description: 'the order id, a decimal uint256', schema: { type: 'string' } }],
        responses: { 200: json('{"data":{"type":"market_delivery","id":ORDER,"attributes":{market,order_id,sha256,cid,member,ephemeral_public_key,wrapped_key,wrap_hash,signature,signed_at}}}'), ...errors(400, ...KEY_ERRORS, 404, 503) }
      }
    },
    '/api/virusmap/evidence': {
      get: { summary: 'VirusMap: members this node holds evidence of misbehaviour against (conflicting signed messages), at most 1000', responses: { 200: json('{"data":[{"type":"evidence_member","id":ADDRESS,"links":{"evidence":URL}}]}'), ...errors(...KEY_ERRORS, 503) } }
    },
    '/api/virusmap/evidence/{member}': {
      get: {
        summary: 'VirusMap: evidence against a member: two different messages it signed for one job (both, as signed, so anyone can check them); [] when none is held',
        parameters: [pathId('member', 'the member\'s operator address, 20 bytes in hex', '^(0x)?[0-9a-fA-F]{40}$')],
        responses: { 200: json('{"data":[{"type":"evidence","id":ID,"attributes":{kind,member,job_id,recorded_at,first,second}}]}'), ...errors(400, ...KEY_ERRORS, 503) }
      }
    },
    '/api/virusmap/governance/proposals': {
      get: {
        summary: 'VirusMap: the Governor\'s proposals, newest first, with state (Pending, Active, Canceled, Defeated, Succeeded, Queued, Expired, Executed), votes, quorum and eta (read from the chain, cached a few seconds)',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 40, default: 10 } }, { name: 'cursor', in: 'query', description: 'meta.cursor of the previous page', schema: { type: 'string', pattern: '^[0-9]{1,78}$' } }],
        responses: { 200: json('{"data":[{"type":"proposal","id":ID,"attributes":{state,proposer,description,created_block,snapshot_block,deadline_block,votes:{for,against,abstain},quorum,eta,actions}}],"meta":{"count":N,"cursor"?},"links":{"self","next"?}}'), ...errors(400, ...KEY_ERRORS, 503) }
      }
    },
    '/api/virusmap/governance/members': {
      get: { summary: 'VirusMap: the registry\'s current members with their terms and engines', responses: { 200: json('{"data":[{"type":"governance_member","id":ADDRESS,"attributes":{operator,peer_id,metadata_uri,engines,registered_block,term_end_block}}]}'), ...errors(...KEY_ERRORS, 503) } }
    },
    '/healthz': { get: { security: [], summary: 'Liveness and the node\'s view of the chain and peers', responses: { 200: json('{"status":"ok",...}') } } },
    '/metrics': { get: { security: [], summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/api/openapi.json': { get: { security: [], summary: 'This document', responses: { 200: json('OpenAPI 3.1') } } },
    '/docs': { get: { security: [], summary: 'This document as a page', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } } },
    '/': { get: { security: [], summary: 'The web page (upload, reports, search, network, governance)', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } } }
  }
} as const

function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

interface Operation { summary?: string, security?: unknown[], parameters?: Array<{ name: string, in: string, description?: string }>, responses: Record<string, { description: string }> }

function docsPage (): string {
  const rows: string[] = []
  for (const [path, methods] of Object.entries(OPENAPI.paths)) {
    for (const [method, op] of Object.entries(methods as unknown as Record<string, Operation>)) {
      const params = (op.parameters ?? []).map((p) => `<code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)})${p.description === undefined ? '' : ': ' + escapeHtml(p.description)}`).join('<br>')
      const responses = Object.entries(op.responses).map(([code, r]) => `<b>${escapeHtml(code)}</b> ${escapeHtml(r.description)}`).join('<br>')
      const key = op.security !== undefined && op.security.length === 0 ? 'open' : 'x-apikey'
      rows.push(`<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary ?? '')}${params === '' ? '' : '<br>' + params}</td><td>${key}</td><td>${responses}</td></tr>`)
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>VirusMap API docs</title><link rel="stylesheet" href="/web/style.css"></head>
<body><header class="bar"><a class="brand" href="/">VirusMap</a><span>API docs</span><a href="/api/openapi.json">openapi.json</a></header><main>
<h1>${escapeHtml(OPENAPI.info.title)} <small>${escapeHtml(OPENAPI.info.version)}</small></h1><p>${escapeHtml(OPENAPI.info.description)}</p>
<p>Send your key in the <code>x-apikey</code> header. Without one: 401 AuthenticationRequiredError; an unknown or revoked key: 401 WrongCredentialsError; over the key's per-minute or per-day quota: 429 QuotaExceededError; more uploads and rescans in flight than the key's or the node's cap allows: 429 TooManyRequestsError (retry when one finishes). A request body that stops arriving is cut.</p>
<table class="docs"><thead><tr><th>method</th><th>path</th><th>what</th><th>key</th><th>answers</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></main></body></html>`
}

export function registerDocsRoutes (app: FastifyInstance): void {
  const page = docsPage()
  const body = JSON.stringify(OPENAPI)
  app.get('/api/openapi.json', async (_request, reply) => reply.type('application/json').send(body))
  app.get('/docs', async (_request, reply) => reply
    .header('content-security-policy', "default-src 'none'; style-src 'self'; frame-ancestors 'none'")
    .header('x-content-type-options', 'nosniff')
    .type('text/html; charset=utf-8').send(page))
}
