// GET /api/virusmap/rewards/{epoch}[/{address}] over HTTP: an epoch computed by the real reward function
// served as stored, an address's proof that checks against the root, `latest`, paging of the items;
// epochs, addresses and paging that are malformed, oversize or injected are refused before any lookup;
// an epoch not computed is 404 and a node without a distributor answers 503.
import t from 'tap'
import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { getAddress } from 'ethers'
import { computeEpochRewards, DEFAULT_REWARD_PARAMS, INITIAL_REWARDS_STATE, REWARDS_LEAF_TYPES, rewardFactsOf } from '#protocol/rewards/index.ts'
import { epochRecordOf } from '../../src/rewards/epoch-record.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { expectVtError, startApi } from '../fixtures/api-server.ts'
import { submittedReport, submitterWallet } from '../fixtures/rewarded-reports.ts'
import type { Hex } from '#protocol/messages.ts'

const params = { ...DEFAULT_REWARD_PARAMS, payDelayEpochs: 0, submissionDeposit: 0n }
const reports = await Promise.all([0, 1, 2].map(async (i) => await submittedReport(new TextEncoder().encode(`api ${i}`), submitterWallet(i % 2), `api-family-${i}`)))
const result = computeEpochRewards({ epoch: 7, facts: reports.map((r) => rewardFactsOf(r, 7)), state: { ...INITIAL_REWARDS_STATE, epoch: 6 }, params })
const record = epochRecordOf(result, { reports: reports.length, budget: params.budget })
const node = createMemoryNode()
node.rewards.set(7, record)
const server = await startApi(t, node.ports)
const get = async (path: string): Promise<Response> => await fetch(`${server.url}${path}`)
type Body = { data: { type: string, id: string, attributes: Record<string, unknown> } }

t.test('an epoch as computed, paged; latest names it', async (st) => {
  const res = await get('/api/virusmap/rewards/7?limit=2')
  st.equal(res.status, 200)
  const { data } = await res.json() as Body
  st.equal(data.type, 'rewards_epoch')
  st.equal(data.id, '7')
  st.match(data.attributes, { epoch: 7, paid_epoch: 7, root: record.root, total: record.total, paid: record.paid, budget: params.budget.toString(), reports: 3, item_count: 3 })
  st.equal((data.attributes.items as unknown[]).length, 2, 'limit 2 of 3 items')
  st.match((data.attributes.items as Array<Record<string, unknown>>)[0], { job_id: record.items[0]?.jobId, outcome: record.items[0]?.outcome, amount: record.items[0]?.amount })
  const rest = await (await get('/api/virusmap/rewards/7?limit=2&offset=2')).json() as Body
  st.equal((rest.data.attributes.items as unknown[]).length, 1, 'offset 2: the third')
  const latest = await (await get('/api/virusmap/rewards/latest')).json() as Body
  st.equal(latest.data.id, '7')
  const openapi = await (await get('/api/openapi.json')).json() as { paths: Record<string, unknown> }
  st.ok(openapi.paths['/api/virusmap/rewards/{epoch}'], 'documented')
  st.ok(openapi.paths['/api/virusmap/rewards/{epoch}/{address}'], 'documented')
})

t.test('an address: its cumulative amount and a proof under the root, any spelling of the address', async (st) => {
  const account = submitterWallet(0).address.toLowerCase() as Hex
  const res = await get(`/api/virusmap/rewards/7/${getAddress(account)}`)
  st.equal(res.status, 200)
  const { data } = await res.json() as Body
  st.equal(data.id, `7:${account}`)
  const a = data.attributes as { cumulative: string, proof: Hex[], amount: string, items: unknown[], root: Hex }
  st.equal(a.cumulative, result.state.cumulative.get(account)?.toString())
  st.equal(a.amount, a.cumulative, 'the first epoch: everything it has was paid now')
  st.equal(a.items.length, 2, 'the two reports it submitted')
  st.ok(StandardMerkleTree.verify(a.root, [...REWARDS_LEAF_TYPES], [account, a.cumulative], a.proof), 'the proof checks against the root')
  const nobody = await (await get(`/api/virusmap/rewards/7/0x${'ab'.repeat(20)}`)).json() as Body
  st.match(nobody.data.attributes, { cumulative: '0', proof: [], amount: '0', items: [] }, 'an address without a leaf: zero, no proof')
})

t.test('hostile epochs, addresses and paging are refused; unknown epochs 404', async (st) => {
  for (const epoch of ['-1', '01', '1e3', '0x7', '7.0', '9999999999999999', 'latest2', '%20', '7%00', 'LATEST']) {
    await expectVtError(st, await get(`/api/virusmap/rewards/${epoch}`), 400, 'InvalidArgumentError')
  }
  for (const address of ['0x123', `0x${'g'.repeat(40)}`, `0x${'a'.repeat(41)}`, 'a'.repeat(42), `0x${'a'.repeat(39)}%00`, `0X${'a'.repeat(40)}`, `%20${'a'.repeat(40)}`]) {
    await expectVtError(st, await get(`/api/virusmap/rewards/7/${address}`), 400, 'InvalidArgumentError')
  }
  for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'limit=1&limit=2', 'offset=-1', 'offset=1000001', `limit=${'9'.repeat(400)}`]) {
    await expectVtError(st, await get(`/api/virusmap/rewards/7?${query}`), 400, 'InvalidArgumentError')
  }
  await expectVtError(st, await get('/api/virusmap/rewards/7/0x' + 'ab'.repeat(20) + '?limit=5000'), 400, 'InvalidArgumentError')
  const long = await get(`/api/virusmap/rewards/${'7'.repeat(5000)}`)
  st.ok(long.status === 400 || long.status === 404 || long.status === 414, `an oversize epoch is refused (${long.status})`)
  await expectVtError(st, await get('/api/virusmap/rewards/8'), 404, 'NotFoundError')
  await expectVtError(st, await get(`/api/virusmap/rewards/8/0x${'ab'.repeat(20)}`), 404, 'NotFoundError')
})

t.test('a node without a rewards distributor answers 503; one that computed nothing has no latest', async (st) => {
  const bare = createMemoryNode()
  const none = await startApi(st, { ...bare.ports, rewards: undefined })
  await expectVtError(st, await fetch(`${none.url}/api/virusmap/rewards/7`), 503, 'TransientError')
  const empty = await startApi(st, bare.ports)
  await expectVtError(st, await fetch(`${empty.url}/api/virusmap/rewards/latest`), 404, 'NotFoundError')
})
