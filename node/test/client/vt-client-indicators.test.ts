import tap from 'tap'
import { Wallet } from 'ethers'
import { vtUrlId } from '#protocol/index.ts'
import { createVtClient } from '../../src/client/vt-client.ts'
import type { ApiPorts } from '../../src/api/ports/index.ts'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { createMemoryIndicators, OPERATOR, signedIndicator } from '../fixtures/memory-indicators.ts'
import { startApi } from '../fixtures/api-server.ts'

const USER = new Wallet(`0x${'5'.repeat(64)}`)

tap.test('the client submits and reads urls, domains, IPs, wallets; server errors keep their VT code', async (t) => {
  const node = createMemoryNode()
  const ind = createMemoryIndicators()
  const ports: ApiPorts = { ...node.ports, analyses: { getAnalysis: async (id) => ind.analyses.get(id) }, indicators: ind.port }
  const server = await startApi(t, ports)
  const client = createVtClient({ baseUrl: server.url })

  const unsigned = await client.submitUrl('http://Phish.example/a', { context: 'ctx' })
  t.match(unsigned.id, /^0x[0-9a-f]{64}$/)
  const url = await client.getUrl(vtUrlId('http://phish.example/a'))
  t.match(url.data, { type: 'url', attributes: { url: 'http://phish.example/a', virusmap: { submitters: [OPERATOR.address.toLowerCase()], context: 'ctx' } } })

  const s = await signedIndicator('url', 'http://phish.example/b', USER, 'mine')
  await client.submitUrl('http://phish.example/b', { signed: { context: 'mine', submitter: s.submitter, submittedAt: s.submittedAt, signature: s.submitterSignature } })
  t.match((await client.getUrl(vtUrlId('http://phish.example/b'))).data.attributes, { virusmap: { submitters: [USER.address.toLowerCase()] } })
  await t.rejects(client.submitUrl('http://phish.example/c', { signed: { context: 'mine', submitter: s.submitter, submittedAt: s.submittedAt, signature: s.submitterSignature } }), { code: 'BadRequestError', status: 400 })

  const d = await signedIndicator('domain', 'evil.example', USER)
  const submitted = await client.submitIndicator('domain', 'EVIL.example.', { submitter: d.submitter, submittedAt: d.submittedAt, signature: d.submitterSignature })
  t.equal(submitted.subject, 'evil.example')
  await ind.complete(submitted.id as `0x${string}`)
  t.match((await client.getDomain('evil.example')).data, { type: 'domain', id: 'evil.example', attributes: { last_analysis_stats: { malicious: 1 } } })
  const ip = await signedIndicator('ip', '192.0.2.5', USER)
  await client.submitIndicator('ip', '192.0.2.5', { submitter: ip.submitter, submittedAt: ip.submittedAt, signature: ip.submitterSignature })
  t.match((await client.getIpAddress('192.0.2.5')).data, { type: 'ip_address', id: '192.0.2.5' })
  const w = await signedIndicator('wallet', `eip155:1:${USER.address.toLowerCase()}`, USER)
  await client.submitIndicator('wallet', USER.address, { submitter: w.submitter, submittedAt: w.submittedAt, signature: w.submitterSignature })
  t.match((await client.getIndicator('wallet', USER.address)).data, { type: 'wallet', id: `eip155:1:${USER.address.toLowerCase()}` })

  await t.rejects(client.getDomain('never.example'), { code: 'NotFoundError', status: 404 })
  await t.rejects(client.getDomain('a/../../files/x'), { code: 'InvalidArgumentError', status: 400 }, 'the value is one path segment')
  await t.rejects(client.getUrl('!!'), { code: 'InvalidArgumentError', status: 400 })
  await t.rejects(client.getIpAddress('999.1.1.1'), { code: 'InvalidArgumentError', status: 400 })
  await t.rejects(client.getIndicator('wallet', '0x1234'), { code: 'InvalidArgumentError', status: 400 })
  await t.rejects(client.submitUrl('x'.repeat(20_000)), { code: 'RequestEntityTooLargeError', status: 413 })
})
