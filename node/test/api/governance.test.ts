import tap from 'tap'
import type { GovernanceReader, ProposalView } from '../../src/chain/governance-reader.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import type { Hex } from '#protocol/messages.ts'

const KEY = 'a1'.repeat(32)
const headers = { 'x-apikey': KEY }
const keys = { find: async (k: string) => k === KEY ? { id: 'k', perMinute: 10_000, perDay: 10_000 } : undefined }

function proposal (n: number, extra: Partial<ProposalView> = {}): ProposalView {
  return {
    id: String(1000 + n),
    state: 'Executed',
    proposer: `0x${'11'.repeat(20)}` as Hex,
    description: `Admit supernode ${n}`,
    createdBlock: 10 + n,
    snapshot: 11 + n,
    deadline: 21 + n,
    votes: { for: '5000000000000000000', against: '0', abstain: '0' },
    quorum: '40000000000000000000',
    eta: 1_790_000_000,
    actions: [{ target: `0x${'22'.repeat(20)}` as Hex, value: '0', calldata: '0x1234', call: 'registry.admit(0x33)' }],
    ...extra
  }
}

/** newest first over a fixed list, as the chain reader pages */
function memoryGovernance (list: ProposalView[]): GovernanceReader {
  return {
    async proposals ({ limit, after }) {
      const start = after === undefined ? 0 : list.findIndex((p) => p.id === after) + 1
      if (after !== undefined && start === 0) return undefined
      const page = list.slice(start, start + limit)
      return { proposals: page, ...(start + limit < list.length ? { next: page.at(-1)?.id } : {}) }
    },
    async members () {
      return [{ operator: `0x${'33'.repeat(20)}` as Hex, peerId: '12D3KooWx', metadataURI: 'virusmap:engines=YARA,ClamAV;node=0', registeredAt: 5, termEnd: null }]
    }
  }
}

tap.test('governance routes: pages by cursor, bound what a proposal can put in a page', async (t) => {
  const huge = proposal(0, { description: 'x'.repeat(100_000), actions: Array.from({ length: 50 }, () => ({ target: `0x${'22'.repeat(20)}` as Hex, value: '0', calldata: `0x${'ab'.repeat(10_000)}` as Hex })) })
  const list = [proposal(3, { state: 'Active', eta: null, quorum: null }), proposal(2, { state: 'Defeated' }), proposal(1), huge]
  const server = await startApi(t, { ...createMemoryNode().ports, keys, governance: memoryGovernance(list) })
  const get = async (query: string): Promise<Response> => await fetch(`${server.url}/api/virusmap/governance/proposals${query}`, { headers })

  const page1 = await (await get('?limit=2')).json() as { data: Array<{ type: string, id: string, attributes: Record<string, unknown> }>, meta: { count: number, cursor?: string }, links: { self: string, next?: string } }
  t.same(page1.data.map((p) => [p.type, p.id, p.attributes.state]), [['proposal', '1003', 'Active'], ['proposal', '1002', 'Defeated']])
  t.match(page1.data[0]?.attributes, { proposer: `0x${'11'.repeat(20)}`, created_block: 13, snapshot_block: 14, deadline_block: 24, quorum: null, eta: null, votes: { for: '5000000000000000000' } })
  t.same(page1.meta, { count: 2, cursor: '1002' })
  t.match(page1.links.next, /\/api\/virusmap\/governance\/proposals\?limit=2&cursor=1002$/)
  const page2 = await (await fetch(page1.links.next ?? '', { headers })).json() as typeof page1
  t.same(page2.data.map((p) => p.id), ['1001', '1000'])
  t.equal(page2.meta.cursor, undefined)
  t.equal(page2.links.next, undefined)
  const bounded = page2.data[1]?.attributes as { description: string, description_truncated: boolean, actions: Array<{ calldata: string, calldata_truncated?: boolean }>, action_count: number }
  t.equal(bounded.description.length, 4000)
  t.equal(bounded.description_truncated, true)
  t.equal(bounded.actions.length, 16)
  t.equal(bounded.action_count, 50)
  t.equal(bounded.actions[0]?.calldata.length, 2 + 2048)
  t.equal(bounded.actions[0]?.calldata_truncated, true)

  const defaults = await (await get('')).json() as typeof page1
  t.equal(defaults.data.length, 4)
  for (const bad of ['?limit=0', '?limit=41', '?limit=x', '?limit=-1', '?limit=1&limit=2', '?cursor=abc', `?cursor=${'9'.repeat(79)}`, '?cursor=', '?cursor=1&cursor=2', '?cursor=%00']) {
    await expectVtError(t, await get(bad), 400, 'InvalidArgumentError')
  }
  await expectVtError(t, await get('?cursor=424242'), 400, 'InvalidArgumentError')
  await expectVtError(t, await fetch(`${server.url}/api/virusmap/governance/proposals`), 401, 'AuthenticationRequiredError')
  await expectVtError(t, await fetch(`${server.url}/api/virusmap/governance/members`, { headers: { 'x-apikey': 'b2'.repeat(32) } }), 401, 'WrongCredentialsError')

  const members = await (await fetch(`${server.url}/api/virusmap/governance/members`, { headers })).json() as { data: Array<{ type: string, id: string, attributes: Record<string, unknown> }>, meta: { count: number } }
  t.same(members.data, [{ type: 'governance_member', id: `0x${'33'.repeat(20)}`, attributes: { operator: `0x${'33'.repeat(20)}`, peer_id: '12D3KooWx', metadata_uri: 'virusmap:engines=YARA,ClamAV;node=0', engines: ['YARA', 'ClamAV'], registered_block: 5, term_end_block: null } }])

  const doc = await (await fetch(`${server.url}/api/openapi.json`)).json() as { paths: Record<string, unknown> }
  t.ok(doc.paths['/api/virusmap/governance/proposals'])
  t.ok(doc.paths['/api/virusmap/governance/members'])
})

tap.test('governance routes: 503 without a reader or when the chain does not answer', async (t) => {
  const none = await startApi(t, createMemoryNode().ports)
  await expectVtError(t, await fetch(`${none.url}/api/virusmap/governance/proposals`), 503, 'TransientError')
  await expectVtError(t, await fetch(`${none.url}/api/virusmap/governance/members`), 503, 'TransientError')
  const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'UNAVAILABLE' })
  const failing = await startApi(t, { ...createMemoryNode().ports, governance: { proposals: async () => { throw down }, members: async () => { throw down } } })
  await expectVtError(t, await fetch(`${failing.url}/api/virusmap/governance/proposals?limit=3`), 503, 'TransientError')
  await expectVtError(t, await fetch(`${failing.url}/api/virusmap/governance/members`), 503, 'TransientError')
})
