import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { ApiError } from '../../vt/errors.ts'

/** The page's own files (node/src/web), served by name: nothing outside this list is reachable. */
const WEB_DIR = new URL('../../web/', import.meta.url)
const PAGE_FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'verify.js': 'text/javascript; charset=utf-8',
  'page-kit.js': 'text/javascript; charset=utf-8',
  'indicator.js': 'text/javascript; charset=utf-8',
  'indicator-canonical.js': 'text/javascript; charset=utf-8',
  'report-derive.js': 'text/javascript; charset=utf-8',
  'chain-reads.js': 'text/javascript; charset=utf-8',
  'deployment.js': 'text/javascript; charset=utf-8',
  'verify-badge.js': 'text/javascript; charset=utf-8',
  'governance.js': 'text/javascript; charset=utf-8',
  'gov-actions.js': 'text/javascript; charset=utf-8',
  'wallet.js': 'text/javascript; charset=utf-8',
  'wallet-card.js': 'text/javascript; charset=utf-8',
  'abi-codec.js': 'text/javascript; charset=utf-8',
  'anchor-proof.js': 'text/javascript; charset=utf-8',
  'anchor-page.js': 'text/javascript; charset=utf-8',
  'market-reads.js': 'text/javascript; charset=utf-8',
  'market-page.js': 'text/javascript; charset=utf-8',
  'hunt-panel.js': 'text/javascript; charset=utf-8',
  'rewards-reads.js': 'text/javascript; charset=utf-8',
  'rewards-card.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8'
}

/**
 * Protocol modules the page runs as nodes run them (plain JS, crypto passed in), at the path that
 * keeps their relative imports from node/src/web working in the browser too.
 */
const PROTOCOL_DIR = new URL('../../../../protocol/src/', import.meta.url)
const PROTOCOL_FILES = new Set(['eip712-hash.js', 'job-age.js', 'anchor-leaf.js'])

/**
 * The compiled contracts' ABIs the page encodes its wallet transactions from (the artifacts every
 * other part of VirusMap uses, so no signature is written twice); only the `abi` array is served.
 * Of SupernodeRegistry only what the page asks of it: owner() (the wallet card holds the pinned
 * Governor's timelock to the registry's owner) and the errors (an execute that reverts in the
 * registry is named by them). The page reads membership by signature (chain-reads.js), and admit
 * and setEngines are proposed from the CLI (`virusmap gov`), not from the page.
 */
const ARTIFACTS_DIR = new URL('../../../../contracts/artifacts/', import.meta.url)
interface AbiFragment { type?: string, name?: string }
const whole = (): boolean => true
const ABI_FILES = new Map<string, (fragment: AbiFragment) => boolean>([
  ['VirusMapGovernor.json', whole],
  ['VMT.json', whole],
  ['SupernodeRegistry.json', (f) => f.type === 'error' || (f.type === 'function' && f.name === 'owner')],
  ['TimelockController.json', whole],
  ['RewardsDistributor.json', whole]
])

/**
 * The two pure-JS packages the page verifies signatures with, served from node_modules as ES
 * modules. Their bare imports of each other are rewritten to these paths, so no import map (and
 * no inline script) is needed.
 */
const VENDOR: Record<string, URL> = {
  'noble-hashes': new URL(import.meta.resolve('@noble/hashes/utils.js').replace(/utils\.js$/, '')),
  'noble-curves': new URL(import.meta.resolve('@noble/curves/secp256k1.js').replace(/secp256k1\.js$/, ''))
}
const VENDOR_PATH = /^(?:abstract\/)?[a-z0-9_-]{1,40}\.js$/

/** Only same-origin code and data: the page renders strings from other nodes' reports. */
// connect-src reaches beyond 'self': the page reads membership from the RPC its user pinned, never from this node
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

function security (reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
}

/** The web page every supernode serves at `/`; it talks to the same /api/v3 and /api/virusmap routes. */
export function registerWebRoutes (app: FastifyInstance): void {
  const cache = new Map<string, Buffer>()
  const load = async (key: string, url: URL, transform?: (text: string) => string): Promise<Buffer> => {
    let body = cache.get(key)
    if (body === undefined) {
      let bytes: Buffer
      try {
        bytes = await readFile(url)
      } catch {
        throw new ApiError('NotFoundError', 'no such asset')
      }
      body = transform === undefined ? bytes : Buffer.from(transform(bytes.toString('utf8')))
      cache.set(key, body)
    }
    return body
  }

  const page = async (_request: unknown, reply: FastifyReply): Promise<FastifyReply> => {
    const body = await load('index.html', new URL('index.html', WEB_DIR))
    return security(reply).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(body)
  }
  app.get('/', page)
  // browsers ask for it on every page; there is none, and a 404 would clutter logs and metrics
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send())

  app.get<{ Params: { name: string } }>('/web/:name', async (request, reply) => {
    const type = Object.hasOwn(PAGE_FILES, request.params.name) ? PAGE_FILES[request.params.name] : undefined
    if (type === undefined) throw new ApiError('NotFoundError', 'no such asset')
    const body = await load(request.params.name, new URL(request.params.name, WEB_DIR))
    return security(reply).type(type).header('cache-control', 'no-cache').send(body)
  })

  app.get<{ Params: { name: string } }>('/protocol/src/:name', async (request, reply) => {
    const { name } = request.params
    if (!PROTOCOL_FILES.has(name)) throw new ApiError('NotFoundError', 'no such asset')
    const body = await load(`protocol/${name}`, new URL(name, PROTOCOL_DIR))
    return security(reply).type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(body)
  })

  app.get<{ Params: { name: string } }>('/web/abi/:name', async (request, reply) => {
    const { name } = request.params
    const served = ABI_FILES.get(name)
    if (served === undefined) throw new ApiError('NotFoundError', 'no such asset')
    const body = await load(`abi/${name}`, new URL(name, ARTIFACTS_DIR), (text) => JSON.stringify((JSON.parse(text) as { abi: AbiFragment[] }).abi.filter(served)))
    return security(reply).type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(body)
  })

  app.get<{ Params: { pkg: string, '*': string } }>('/web/vendor/:pkg/*', async (request, reply) => {
    const { pkg } = request.params
    const path = request.params['*']
    const base = Object.hasOwn(VENDOR, pkg) ? VENDOR[pkg] : undefined
    if (base === undefined || !VENDOR_PATH.test(path)) throw new ApiError('NotFoundError', 'no such asset')
    const body = await load(`vendor/${pkg}/${path}`, new URL(path, base), (text) =>
      text.replace(/from\s+(['"])@noble\/(hashes|curves)\/([a-z0-9_/-]+\.js)\1/g, (_m, q: string, which: string, file: string) => `from ${q}/web/vendor/noble-${which}/${file}${q}`))
    return security(reply).type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(body)
  })
}

export const WEB_DIR_PATH = fileURLToPath(WEB_DIR)
