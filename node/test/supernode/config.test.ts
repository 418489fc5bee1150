import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tap from 'tap'
import { CONFIG_DEFAULTS, loadConfig, parseConfig } from '../../src/supernode/config.ts'
import { ENGINE_DEFAULTS, readEngineOptions } from '../../src/supernode/engine-options.ts'
import { QUORUM_DEFAULTS, readQuorumOptions } from '../../src/quorum/quorum-options.ts'
import { API_DEFAULTS, checkApiOptions } from '../../src/api/api-options.ts'
import { API_LIMIT_DEFAULTS, checkApiLimits } from '../../src/api/limits.ts'
import { CHAIN_DEFAULTS, checkChainOptions } from '../../src/chain/chain-options.ts'
import { SAMPLE_DEFAULTS, checkSampleOptions } from '../../src/ingest/sample-options.ts'
import { NETWORK_DEFAULTS, checkNetworkOptions } from '../../src/network/network-options.ts'
import { HUNT_DEFAULTS, checkHuntOptions } from '../../src/hunt/hunt-options.ts'

const deployment = {
  chainId: 31337,
  rpcUrl: 'http://127.0.0.1:8545',
  deployBlock: 1,
  contracts: { vmt: `0x${'1'.repeat(40)}`, timelock: `0x${'2'.repeat(40)}`, governor: `0x${'3'.repeat(40)}`, registry: `0x${'4'.repeat(40)}` }
}

tap.test('defaults fill what the file leaves out', async (t) => {
  const cfg = parseConfig({ dataDir: '/tmp/x', deployment })
  t.equal(cfg.commitWindowMs, CONFIG_DEFAULTS.commitWindowMs)
  t.equal(cfg.yaraProcesses, 2)
  t.same(cfg.bootstrap, [])
  const anchors = `0x${'5'.repeat(40)}`
  t.equal(parseConfig({ dataDir: '/tmp/x', deployment: { ...deployment, contracts: { ...deployment.contracts, anchors } } }).deployment.contracts.anchors, anchors, 'the ReportAnchors address rides along')
  t.equal(parseConfig({ dataDir: '/tmp/x', deployment: { ...deployment, contracts: { ...deployment.contracts, market: anchors } } }).deployment.contracts.market, anchors, 'the DataMarket address rides along')
})

tap.test('bad configs fail with CONFIG_INVALID', async (t) => {
  const bad: unknown[] = [
    null, [], 'x', 42,
    { deployment },
    { dataDir: '/x' },
    { dataDir: '/x', deployment: { ...deployment, chainId: '1' } },
    { dataDir: '/x', deployment: { ...deployment, contracts: { ...deployment.contracts, registry: '0x1234' } } },
    { dataDir: '/x', deployment: { ...deployment, contracts: { ...deployment.contracts, anchors: 'nope' } } },
    { dataDir: '/x', deployment: { ...deployment, contracts: { ...deployment.contracts, market: `0x${'5'.repeat(41)}` } } },
    { dataDir: '/x', deployment, apiPort: -1 },
    { dataDir: '/x', deployment, commitWindowMs: 1.5 },
    { dataDir: '/x', deployment, bootstrap: [1] },
    { dataDir: '/x', deployment, listen: 'tcp' },
    { dataDir: '/x', deployment, yaraProcesses: 0 },
    { dataDir: '/x', deployment, yaraProcesses: 65 },
    { dataDir: '/x', deployment, yaraProcesses: '2' },
    // a proposer turn below a second would have every rank propose at once
    { dataDir: '/x', deployment, anchorTurnMs: 999 },
    { dataDir: '/x', deployment, anchorTurnMs: '5000' }
  ]
  for (const value of bad) t.throws(() => parseConfig(value), { code: 'CONFIG_INVALID' }, JSON.stringify(value))
})

tap.test('unreadable and non-JSON files fail with coded errors', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vm-config-'))
  await t.rejects(loadConfig(join(dir, 'missing.json')), { code: 'CONFIG_UNREADABLE' })
  await writeFile(join(dir, 'bad.json'), '{"dataDir":')
  await t.rejects(loadConfig(join(dir, 'bad.json')), { code: 'CONFIG_INVALID' })
})

tap.test('intel lists: defaults work offline; feeds and protected addresses are validated', async (t) => {
  const cfg = parseConfig({ dataDir: '/x', deployment })
  t.same([cfg.intelFeeds, cfg.ethPhishingDetect, cfg.protectedAddresses], [[], true, []], 'eth-phishing-detect on, no feeds')
  const ok = parseConfig({
    dataDir: '/x',
    deployment,
    intelFeeds: [{ name: 'ops', source: '/etc/virusmap/ops.txt' }, { name: 'remote.v2', source: 'https://lists.example/x.txt', kind: 'domain', refreshSeconds: 60, maxBytes: 1024 }],
    protectedAddresses: ['0x52908400098527886E0F7030069857D2E4169EE7', 'eip155:56:0x1111111111111111111111111111111111111111']
  })
  t.same(ok.intelFeeds, [
    { name: 'ops', source: '/etc/virusmap/ops.txt', refreshSeconds: 3600 },
    { name: 'remote.v2', source: 'https://lists.example/x.txt', kind: 'domain', refreshSeconds: 60, maxBytes: 1024 }
  ], 'refreshSeconds defaults to an hour')
  const feed = { name: 'f', source: '/x.txt' }
  const bad: unknown[] = [
    { intelFeeds: {} }, { intelFeeds: [null] }, { intelFeeds: ['x'] },
    { intelFeeds: [{ source: '/x' }] }, { intelFeeds: [{ ...feed, name: 'a b' }] }, { intelFeeds: [{ ...feed, name: 'x'.repeat(49) }] },
    { intelFeeds: [feed, feed] },
    { intelFeeds: [{ ...feed, source: '' }] }, { intelFeeds: [{ ...feed, source: 'ftp://x.example/l' }] }, { intelFeeds: [{ ...feed, source: 'http://' }] },
    { intelFeeds: [{ ...feed, kind: 'file' }] },
    { intelFeeds: [{ ...feed, refreshSeconds: 1 }] }, { intelFeeds: [{ ...feed, refreshSeconds: 1.5 }] }, { intelFeeds: [{ ...feed, refreshSeconds: '60' }] },
    { intelFeeds: [{ ...feed, maxBytes: 0 }] }, { intelFeeds: [{ ...feed, surprise: 1 }] },
    { ethPhishingDetect: 'yes' },
    { protectedAddresses: '0x52908400098527886E0F7030069857D2E4169EE7' },
    { protectedAddresses: ['0x1234'] }, { protectedAddresses: [7] },
    { protectedAddresses: ['0x52908400098527886E0F7030069857D2E4169Ee7'] } // EIP-55 checksum fails
  ]
  for (const value of bad) t.throws(() => parseConfig({ dataDir: '/x', deployment, ...(value as object) }), { code: 'CONFIG_INVALID' }, JSON.stringify(value))
})

tap.test('engines: absent means every engine; a list must be engine ids the registry accepts', async (t) => {
  t.equal(parseConfig({ dataDir: '/x', deployment }).engines, undefined)
  t.same(parseConfig({ dataDir: '/x', deployment, engines: ['YARA', 'VirusMap-Lists'] }).engines, ['YARA', 'VirusMap-Lists'])
  t.same(parseConfig({ dataDir: '/x', deployment, engines: [] }).engines, [], 'none: a node that only relays and serves')
  const bad: unknown[] = ['YARA', [7], [''], [' YARA'], ['YA/RA'], ['x'.repeat(65)], ['YARA', 'YARA'], Array.from({ length: 65 }, (_, i) => `E${i}`)]
  for (const engines of bad) t.throws(() => parseConfig({ dataDir: '/x', deployment, engines }), { code: 'CONFIG_INVALID' }, JSON.stringify(engines).slice(0, 40))
})

tap.test('the flat file is each subsystem\'s options under its own names, defaults from beside each subsystem', async (t) => {
  const cfg = parseConfig({ dataDir: '/x', deployment })
  const subsystems = { ...CHAIN_DEFAULTS, ...NETWORK_DEFAULTS, ...SAMPLE_DEFAULTS, ...API_DEFAULTS, ...API_LIMIT_DEFAULTS, ...ENGINE_DEFAULTS, ...QUORUM_DEFAULTS, ...HUNT_DEFAULTS }
  for (const [key, value] of Object.entries(subsystems)) t.same(cfg[key as keyof typeof cfg], value, key)
  t.same(Object.keys(CONFIG_DEFAULTS).toSorted(), Object.keys(subsystems).toSorted(), 'every default is a subsystem\'s: none is left in config.ts')
  t.equal(typeof readEngineOptions(cfg as unknown as Record<string, unknown>), 'object', 'a parsed config reads back as engine options')
  // a config as the devnet and operators wrote them before the options moved: every key flat, old values kept
  const written = {
    dataDir: '/x', deployment, apiPort: 4100, listen: ['/ip4/127.0.0.1/tcp/4200'], bootstrap: [], confirmations: 1, pollIntervalMs: 500,
    rulesDirs: ['/rules'], hashFeeds: ['/h.txt'], intelFeeds: [{ name: 'ops', source: '/i.txt' }], engines: ['YARA'], clamav: { socket: '/c.sock' },
    commitWindowMs: 3000, revealWindowMs: 4000, commitMsPerQueuedJob: 50, anchorTurnMs: 2000, yaraProcesses: 1, maxUploadsPerKey: 2
  }
  const old = parseConfig(written)
  t.same([old.commitWindowMs, old.revealWindowMs, old.commitMsPerQueuedJob, old.maxActiveJobs], [3000, 4000, 50, QUORUM_DEFAULTS.maxActiveJobs])
  t.same([old.rulesDirs, old.hashFeeds, old.engines, old.clamav, old.yaraProcesses, old.maxUploadsPerKey], [['/rules'], ['/h.txt'], ['YARA'], { socket: '/c.sock' }, 1, 2])
  t.same(old.intelFeeds, [{ name: 'ops', source: '/i.txt', refreshSeconds: 3600 }], 'the feeds get their own defaults')
})

tap.test('each subsystem names what is wrong with its options; hostile values are refused', async (t) => {
  const base = { ...ENGINE_DEFAULTS, ...QUORUM_DEFAULTS } as Record<string, unknown>
  const badEngines: Array<[Record<string, unknown>, RegExp]> = [
    [{ engineTimeoutMs: -1 }, /engineTimeoutMs/], [{ yaraProcesses: 2 ** 60 }, /yaraProcesses/], [{ heuristics: 'true' }, /heuristics/],
    [{ clamav: [] }, /clamav/], [{ clamav: { host: 'h' } }, /clamav/], [{ clamav: { socket: '/s', databaseDir: 7 } }, /clamav/],
    [{ rulesDirs: [null] }, /rulesDirs/], [{ allowlist: 'a.example' }, /allowlist/], [{ engines: { 0: 'YARA' } }, /engines/],
    [{ intelFeeds: [{ name: 'x', source: 'file:///etc/passwd' }] }, /intelFeeds/], [{ protectedAddresses: ['0x' + 'g'.repeat(40)] }, /protectedAddresses|address/]
  ]
  for (const [value, message] of badEngines) {
    t.match(readEngineOptions({ ...base, ...value }), message, JSON.stringify(value))
    t.throws(() => parseConfig({ dataDir: '/x', deployment, ...value }), { code: 'CONFIG_INVALID', message }, JSON.stringify(value))
  }
  for (const value of [{ maxActiveJobs: 0 }, { revealWindowMs: -5 }, { commitMsPerMiB: 0.5 }, { commitWindowMs: '5000' }, { commitMsPerQueuedJob: null }]) {
    const [key] = Object.keys(value)
    t.match(readQuorumOptions({ ...base, ...value }), new RegExp(key as string), JSON.stringify(value))
    t.throws(() => parseConfig({ dataDir: '/x', deployment, ...value }), { code: 'CONFIG_INVALID' }, JSON.stringify(value))
  }
  t.same(readQuorumOptions({ ...base, surprise: 1 }), QUORUM_DEFAULTS, 'only its own keys')
  t.notOk('surprise' in (readEngineOptions({ ...base, surprise: 1 }) as object), 'only its own keys')
})

tap.test('chain, network, sample and API options: each check names its key; hostile values are refused', async (t) => {
  const base = { ...CONFIG_DEFAULTS } as Record<string, unknown>
  const cases: Array<[(cfg: Record<string, unknown>) => string | undefined, Record<string, unknown>, RegExp]> = [
    [checkChainOptions, { confirmations: -1 }, /confirmations/], [checkChainOptions, { confirmations: 1.5 }, /confirmations/],
    [checkChainOptions, { pollIntervalMs: '1000' }, /pollIntervalMs/], [checkChainOptions, { pollIntervalMs: 2 ** 60 }, /pollIntervalMs/],
    // a proposer turn below a second would have every rank propose at once
    [checkChainOptions, { anchorTurnMs: 999 }, /anchorTurnMs/], [checkChainOptions, { anchorTurnMs: null }, /anchorTurnMs/],
    [checkNetworkOptions, { listen: '/ip4/0.0.0.0/tcp/1' }, /listen/], [checkNetworkOptions, { bootstrap: [{}] }, /bootstrap/], [checkNetworkOptions, { listen: { length: 1, 0: 'x' } }, /listen/],
    [checkSampleOptions, { maxSampleBytes: -1 }, /maxSampleBytes/], [checkSampleOptions, { maxSampleBytes: '650MB' }, /maxSampleBytes/], [checkSampleOptions, { maxSampleBytes: Infinity }, /maxSampleBytes/],
    [checkApiOptions, { apiHost: '' }, /apiHost/], [checkApiOptions, { apiHost: ['::'] }, /apiHost/], [checkApiOptions, { apiPort: -1 }, /apiPort/],
    [checkApiOptions, { apiPort: 65_536 }, /apiPort/], [checkApiOptions, { apiPort: '8080' }, /apiPort/], [checkApiOptions, { requireApiKey: 'false' }, /requireApiKey/],
    [checkApiLimits, { uploadWaitMs: -1 }, /uploadWaitMs/], [checkApiLimits, { maxUploadsPerKey: 0 }, /maxUploadsPerKey/],
    [checkHuntOptions, { huntWebhookAllowPrivate: 'true' }, /huntWebhookAllowPrivate/], [checkHuntOptions, { huntWebhookAllowPrivate: 1 }, /huntWebhookAllowPrivate/]
  ]
  for (const [check, value, message] of cases) {
    t.match(check({ ...base, ...value }), message, `${check.name} ${JSON.stringify(value)}`)
    t.throws(() => parseConfig({ dataDir: '/x', deployment, ...value }), { code: 'CONFIG_INVALID', message }, JSON.stringify(value))
  }
  for (const check of [checkChainOptions, checkNetworkOptions, checkSampleOptions, checkApiOptions, checkApiLimits, checkHuntOptions]) t.equal(check(base), undefined, `${check.name}: the defaults pass`)
  const edge = parseConfig({ dataDir: '/x', deployment, apiPort: 65_535, confirmations: 0, pollIntervalMs: 0, anchorTurnMs: 1000, maxSampleBytes: 0, apiHost: '::', listen: [], requireApiKey: false })
  t.same([edge.apiPort, edge.confirmations, edge.anchorTurnMs, edge.maxSampleBytes, edge.apiHost, edge.listen, edge.requireApiKey], [65_535, 0, 1000, 0, '::', [], false], 'the limits are inclusive')
})
