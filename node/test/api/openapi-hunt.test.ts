// The hunt routes are in the OpenAPI document (SPEC 19): every documented hunt operation is a route this
// server answers (a node without hunting: 503 TransientError, not 404), every hunt route is documented,
// and the document's parameters say how a vendor authenticates.
import t from 'tap'
import { HUNT_AUTH_HEADER } from '#protocol/hunt/access.ts'
import { OPENAPI } from '../../src/api/routes/docs.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'

const ROUTES = ['POST /api/virusmap/hunt/rulesets', 'GET /api/virusmap/hunt/rulesets', 'POST /api/virusmap/hunt/rulesets/{id}/retro', 'GET /api/virusmap/hunt/matches', 'GET /api/virusmap/hunt/matches/stream', 'PUT /api/virusmap/hunt/webhook', 'GET /api/virusmap/hunt/webhook', 'DELETE /api/virusmap/hunt/webhook']

t.test('every hunt route is documented, and every documented hunt operation is served', async (st) => {
  const server = await startApi(st, createMemoryNode().ports)
  const served = await (await fetch(`${server.url}/api/openapi.json`)).json() as { paths: Record<string, Record<string, { parameters?: Array<{ name: string, in: string }> }>> }
  st.same(served.paths['/api/virusmap/hunt/matches'], JSON.parse(JSON.stringify(OPENAPI.paths['/api/virusmap/hunt/matches'])), 'the served document is the module\'s')
  const documented = Object.entries(served.paths).filter(([path]) => path.startsWith('/api/virusmap/hunt')).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
  st.same(documented.toSorted(), ROUTES.toSorted())
  for (const route of documented) {
    const [method, path] = route.split(' ') as [string, string]
    const url = `${server.url}${path.replace('{id}', `0x${'ab'.repeat(32)}`)}?vendor=0x${'cd'.repeat(20)}`
    const res = await fetch(url, { method, ...(method === 'POST' || method === 'PUT' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) })
    st.equal(res.status, 503, `${route}: served (this node runs no hunting)`)
    st.equal((await res.json() as { error: { code: string } }).error.code, 'TransientError')
    const op = served.paths[path]?.[method.toLowerCase()]
    if (route !== 'POST /api/virusmap/hunt/rulesets') st.ok(op?.parameters?.some((p) => p.name === HUNT_AUTH_HEADER && p.in === 'header'), `${route} names ${HUNT_AUTH_HEADER}`)
  }
  st.equal((await fetch(`${server.url}/api/virusmap/hunt/rulesets/x/retro`)).status, 404, 'an undocumented method is no route')
  const page = await (await fetch(`${server.url}/docs`)).text()
  for (const route of ROUTES) st.ok(page.includes(route.split(' ')[1] as string), `${route} on the docs page`)
})
