import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { CONFIG_DEFAULTS, loadConfig, parseConfig } from '../../src/supernode/config.ts'

const deployment = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  deployBlock: 1,
  contracts: { vmt: `0x${'1'.repeat(40)}`, timelock: `0x${'2'.repeat(40)}`, governor: `0x${'3'.repeat(40)}`, registry: `0x${'4'.repeat(40)}` }
}

tap.test('defaults fill what the file leaves out', async (t) => {
  const cfg = parseConfig({ dataDir: '/tmp/x', deployment })
  t.equal(cfg.commitWindowMs, CONFIG_DEFAULTS.commitWindowMs)
  t.same(cfg.bootstrap, [])
})

tap.test('bad configs fail with CONFIG_INVALID', async (t) => {
  const bad: unknown[] = [
    null, [], 'x', 42,
    { deployment },
    { dataDir: '/x' },
    { dataDir: '/x', deployment: { ...deployment, chainId: '1' } },
    { dataDir: '/x', deployment: { ...deployment, contracts: { ...deployment.contracts, registry: '0x1234' } } },
    { dataDir: '/x', deployment, apiPort: -1 },
    { dataDir: '/x', deployment, commitWindowMs: 1.5 },
    { dataDir: '/x', deployment, bootstrap: [1] },
    { dataDir: '/x', deployment, listen: 'tcp' }
  ]
  for (const value of bad) t.throws(() => parseConfig(value), { code: 'CONFIG_INVALID' }, JSON.stringify(value))
})

tap.test('unreadable and non-JSON files fail with coded errors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vm-config-'))
  await t.rejects(loadConfig(join(dir, 'missing.json')), { code: 'CONFIG_UNREADABLE' })
  await writeFile(join(dir, 'bad.json'), '{"dataDir":')
  await t.rejects(loadConfig(join(dir, 'bad.json')), { code: 'CONFIG_INVALID' })
})
