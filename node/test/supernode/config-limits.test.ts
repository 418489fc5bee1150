import tap from 'tap'
import { API_LIMIT_DEFAULTS } from '../../src/api/limits.ts'
import { parseConfig } from '../../src/supernode/config.ts'

const deployment = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  deployBlock: 1,
  contracts: { vmt: `0x${'1'.repeat(40)}`, timelock: `0x${'2'.repeat(40)}`, governor: `0x${'3'.repeat(40)}`, registry: `0x${'4'.repeat(40)}` }
}

tap.test('upload caps and API timeouts default, are configurable, and must be positive integers', async (t) => {
  const cfg = parseConfig({ dataDir: '/x', deployment })
  t.equal(cfg.maxUploadsPerKey, 4)
  t.equal(cfg.maxUploadsPerNode, 16)
  for (const [key, value] of Object.entries(API_LIMIT_DEFAULTS)) t.equal(cfg[key as keyof typeof API_LIMIT_DEFAULTS], value, key)
  const set = parseConfig({ dataDir: '/x', deployment, maxUploadsPerKey: 1, maxUploadsPerNode: 2, requestTimeoutMs: 3, connectionTimeoutMs: 4, keepAliveTimeoutMs: 5, bodyIdleTimeoutMs: 6 })
  t.same([set.maxUploadsPerKey, set.maxUploadsPerNode, set.requestTimeoutMs, set.connectionTimeoutMs, set.keepAliveTimeoutMs, set.bodyIdleTimeoutMs], [1, 2, 3, 4, 5, 6])
  for (const key of Object.keys(API_LIMIT_DEFAULTS)) {
    for (const bad of [0, -1, 1.5, '4', null, 2 ** 60, true]) {
      t.throws(() => parseConfig({ dataDir: '/x', deployment, [key]: bad }), { code: 'CONFIG_INVALID', message: new RegExp(key) }, `${key}: ${JSON.stringify(bad)}`)
    }
  }
})
