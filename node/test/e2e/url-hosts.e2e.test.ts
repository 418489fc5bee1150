/**
 * Issue 14, item 3: what a VirusTotal client does after scanning a URL, against real supernodes
 * (a devnet: anvil, governance, four supernode processes). POST /urls, wait for the analysis, GET
 * /urls/{id}, then GET /domains/{host} and, for an IP-literal URL, GET /ip_addresses/{ip}: the host
 * is an object with a quorum analysis of its own, which the URL job's origin submitted, and
 * `virusmap lookup HOST` finds and verifies it.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import tap from 'tap'
import { canonicalizeIndicator, indicatorSha256, vtUrlId } from '#protocol/index.ts'
import { runIn } from '../fixtures/run-cli.ts'
import { createVtClient } from '../../src/client/vt-client.ts'
import { startDevnet } from '../../src/devnet/devnet.ts'
import { readCounter } from './hostile-peer.ts'
import { commentNodeLogs } from './node-logs.ts'
import type { Devnet } from '../../src/devnet/devnet.ts'
import type { IndicatorResponse, VtClient } from '../../src/client/vt-client.ts'

let devnet: Devnet
let dir: string

tap.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'virusmap-url-hosts-'))
  devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: 4000, revealWindowMs: 8000, log: () => {} })
})
tap.teardown(async () => {
  await devnet?.stop()
  if (!tap.passing()) {
    await commentNodeLogs(devnet, /URL host/)
  }
  await rm(dir, { recursive: true, force: true })
})

const node = (i: number): { api: string, operator: string } => {
  const n = devnet.info.nodes[i]
  if (n == null) throw new Error(`no node ${i}`)
  return n
}
const client = (i: number): VtClient => createVtClient({ baseUrl: node(i).api, apiKey: devnet.info.apiKey as string })
const cli = async (argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> => {
  const { code, out, err } = await runIn([...argv, '--deployment', join(dir, 'devnet.json')], dir, { signal: AbortSignal.timeout(120_000) })
  return { code, stdout: out, stderr: err }
}

/** what a VT client does: polls the object until it carries an analysis (the host's job runs beside the URL's) */
async function analysed (get: () => Promise<IndicatorResponse>, what: string): Promise<IndicatorResponse> {
  const deadline = Date.now() + 90_000
  for (;;) {
    const object = await get().catch((err: unknown) => {
      if ((err as { code?: string }).code === 'NotFoundError') return undefined
      throw err
    })
    if (object?.data.attributes?.last_analysis_date !== undefined) return object
    if (Date.now() > deadline) throw new Error(`${what}: no analysis within 90 s`)
    await sleep(250)
  }
}

type Attributes = Record<string, unknown> & { virusmap: Record<string, unknown> & { submitters: string[], context: string, job_id: string, verdicts: unknown[], quorum: number } }
const attributesOf = (object: IndicatorResponse): Attributes => object.data.attributes as unknown as Attributes

tap.test('a URL\'s domain: POST /urls, the analysis, GET /urls/{id}, GET /domains/{host} with an analysis of its own, lookup HOST', async (t) => {
  const raw = 'https://user:pw@WWW.VirusMap-E2E.Example.:8443/login?next=1#x'
  const canonical = canonicalizeIndicator('url', raw)
  const host = 'www.virusmap-e2e.example'
  const vt = client(0)
  const { id } = await vt.submitUrl(raw)
  const analysis = await vt.waitForAnalysis(id, { intervalMs: 200, signal: AbortSignal.timeout(90_000) })
  t.equal(analysis.data.attributes?.status, 'completed')
  const url = await vt.getUrl(vtUrlId(canonical))
  t.equal(url.data.id, indicatorSha256(canonical).slice(2))
  t.match(url.data.attributes, { url: canonical, last_final_url: canonical, tld: 'example', virusmap: { network_location: { type: 'domain', id: host } } })

  const domain = await analysed(async () => await vt.getDomain('WWW.VirusMap-E2E.Example.'), host)
  t.equal(domain.data.type, 'domain')
  t.equal(domain.data.id, host, 'the host as written, without userinfo, port or trailing dot')
  const attributes = attributesOf(domain)
  t.equal(attributes.tld, 'example')
  t.ok(Object.keys(attributes.last_analysis_results as object).length > 0, 'judged by the members\' domain engines')
  t.ok(attributes.virusmap.verdicts.length >= attributes.virusmap.quorum, 'a quorum report')
  t.same(attributes.virusmap.submitters, [node(0).operator.toLowerCase()], 'submitted by the URL job\'s origin')
  t.equal(attributes.virusmap.context, `the host of URL ${indicatorSha256(canonical).slice(2)}`)
  t.not(attributes.virusmap.job_id, id, 'an analysis of its own')

  const elsewhere = await analysed(async () => await client(2).getDomain(host), `${host} on node 2`)
  t.equal(attributesOf(elsewhere).virusmap.job_id, attributes.virusmap.job_id, 'every node serves the same report')
  const located = await (await fetch(`${node(1).api}/api/v3/urls/${vtUrlId(canonical)}/network_location`, { headers: { 'x-apikey': devnet.info.apiKey as string } })).json() as { data: { type: string, id: string, attributes: Attributes } }
  t.match(located.data, { type: 'domain', id: host, attributes: { virusmap: { job_id: attributes.virusmap.job_id } } })

  const lookup = await cli(['lookup', host, '--api', node(1).api])
  t.equal(lookup.code, 0, lookup.stderr)
  t.match(lookup.stdout, /verified: yes/)

  // another URL on the same host: no second job for the domain
  const before = await readCounter(node(0).api, 'virusmap_quorum_derived_indicators_total', { result: 'known' })
  const second = await vt.submitUrl(`https://${host}/other`)
  await vt.waitForAnalysis(second.id, { intervalMs: 200, signal: AbortSignal.timeout(90_000) })
  for (let i = 0; i < 100 && await readCounter(node(0).api, 'virusmap_quorum_derived_indicators_total', { result: 'known' }) === before; i++) await sleep(100)
  t.equal(await readCounter(node(0).api, 'virusmap_quorum_derived_indicators_total', { result: 'known' }), before + 1, 'the known host was skipped')
  t.equal(attributesOf(await vt.getDomain(host)).virusmap.job_id, attributes.virusmap.job_id, 'still the first analysis')
  // and the other way, on another node: the URLs on the host
  const urls = await (await fetch(`${node(3).api}/api/v3/domains/${host}/urls`, { headers: { 'x-apikey': devnet.info.apiKey as string } })).json() as { data: Array<{ type: string, attributes: { url: string } }> }
  t.same(urls.data.map((u) => u.attributes.url).toSorted(), [canonical, `https://${host}/other`])
})

tap.test('an IP-literal URL\'s address: GET /ip_addresses/{ip} with an analysis of its own, lookup IP', async (t) => {
  const vt = client(1)
  for (const [raw, ip] of [['http://192.0.2.77:8080/x', '192.0.2.77'], ['http://[2001:DB8::77]/y', '2001:db8::77']] as const) {
    const { id } = await vt.submitUrl(raw)
    t.equal((await vt.waitForAnalysis(id, { intervalMs: 200, signal: AbortSignal.timeout(90_000) })).data.attributes?.status, 'completed')
    const url = await vt.getUrl(vtUrlId(canonicalizeIndicator('url', raw)))
    t.match(url.data.attributes, { virusmap: { network_location: { type: 'ip_address', id: ip } } })
    t.notOk('tld' in (url.data.attributes ?? {}), 'an IP host has no tld')
    const address = await analysed(async () => await vt.getIpAddress(ip), ip)
    t.equal(address.data.type, 'ip_address')
    t.equal(address.data.id, ip)
    t.same(attributesOf(address).virusmap.submitters, [node(1).operator.toLowerCase()])
    // node 3 stores the report when it has the attestations, a moment after node 1 may: look up once it holds it
    await analysed(async () => await client(3).getIpAddress(ip), `${ip} at node 3`)
    const lookup = await cli(['lookup', ip, '--api', node(3).api])
    t.equal(lookup.code, 0, lookup.stderr)
    t.match(lookup.stdout, /verified: yes/)
  }
  // a URL without a host names nothing
  const { id } = await vt.submitUrl('javascript:alert(1)')
  await vt.waitForAnalysis(id, { intervalMs: 200, signal: AbortSignal.timeout(90_000) })
  const script = await vt.getUrl(vtUrlId('javascript:alert(1)'))
  t.equal(attributesOf(script).virusmap.network_location, null)
})
