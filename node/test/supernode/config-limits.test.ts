import tap from 'tap'
import { API_LIMIT_DEFAULTS, limitMinimum } from '../../src/api/limits.ts'
import { parseConfig } from '../../src/supernode/config.ts'

const deployment = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  deployBlock: 1,
  contracts: { vmt: `0x${'1'.repeat(40)}`, timelock: `0x${'2'.repeat(40)}`, governor: `0x${'3'.repeat(40)}`, registry: `0x${'4'.repeat(40)}` }
}

tap.test('upload caps, waits and API timeouts default, are configurable, and must be integers of at least their minimum', async (t) => {
  const cfg = parseConfig({ dataDir: '/x', deployment })
  t.equal(cfg.maxUploadsPerKey, 4)
  t.equal(cfg.maxUploadsPerNode, 16)
  for (const [key, value] of Object.entries(API_LIMIT_DEFAULTS)) t.equal(cfg[key as keyof typeof API_LIMIT_DEFAULTS], value, key)
  const set = parseConfig({ dataDir: '/x', deployment, maxUploadsPerKey: 1, maxUploadsPerNode: 2, requestTimeoutMs: 3, connectionTimeoutMs: 4, keepAliveTimeoutMs: 5, bodyIdleTimeoutMs: 6 })
  t.same([set.maxUploadsPerKey, set.maxUploadsPerNode, set.requestTimeoutMs, set.connectionTimeoutMs, set.keepAliveTimeoutMs, set.bodyIdleTimeoutMs], [1, 2, 3, 4, 5, 6])
  for (const key of Object.keys(API_LIMIT_DEFAULTS)) {
    for (const bad of [limitMinimum(key) - 1, -1, 1.5, '4', null, 2 ** 60, true]) {
      t.throws(() => parseConfig({ dataDir: '/x', deployment, [key]: bad }), { code: 'CONFIG_INVALID', message: new RegExp(key) }, `${key}: ${JSON.stringify(bad)}`)
    }
  }
})

tap.test('an upload wait of 0 refuses over the caps at once; every other limit is at least 1', async (t) => {
  t.equal(parseConfig({ dataDir: '/x', deployment, uploadWaitMs: 0 }).uploadWaitMs, 0)
  t.equal(limitMinimum('uploadWaitMs'), 0)
  t.equal(limitMinimum('maxUploadsWaiting'), 1)
})
