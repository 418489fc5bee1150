import tap from 'tap'
import { Registry } from 'prom-client'
import { createIndicatorLists } from '../../../src/intel/lists/indicator-lists.ts'
import { createIntelMetrics } from '../../../src/metrics/registry.ts'
import { silentLogger } from '../../scan/yara-helpers.ts'
import { subjectInput } from '../intel-helpers.ts'

const names = (config: Parameters<typeof createIndicatorLists>[0]): string[] => createIndicatorLists(config, silentLogger).map(e => e.name)

tap.test('the engines the config asks for', async (t) => {
  const feed = { name: 'f', source: '/nonexistent', refreshSeconds: 3600 }
  t.same(names({ feeds: [], ethPhishingDetect: true, protectedAddresses: [] }), ['VirusMap-Lists'], 'offline default')
  t.same(names({ feeds: [], ethPhishingDetect: false, protectedAddresses: [] }), [], 'nothing to look up')
  t.same(names({ feeds: [feed], ethPhishingDetect: false, protectedAddresses: [] }), ['VirusMap-Lists', 'VirusMap-Addresses'])
  t.same(names({ feeds: [], ethPhishingDetect: false, protectedAddresses: ['0x52908400098527886e0f7030069857d2e4169ee7'] }), ['VirusMap-Addresses'])
})

tap.test('both engines share one read of each feed, and its metrics', async (t) => {
  const dir = t.testdir({ 'ops.txt': 'evil.example\n0x000000000000000000000000000000000000dead\n' })
  const registry = new Registry()
  const engines = createIndicatorLists({
    feeds: [{ name: 'ops', source: `${dir}/ops.txt`, refreshSeconds: 3600 }], ethPhishingDetect: false, protectedAddresses: [], metrics: createIntelMetrics([registry])
  }, silentLogger)
  for (const e of engines) await e.start()
  t.teardown(async () => { for (const e of engines) await e.stop() })
  const [lists, addresses] = engines
  t.equal((await lists?.scan(subjectInput('domain', 'evil.example')))?.result, 'operator-list:ops')
  t.equal((await addresses?.scan(subjectInput('wallet', 'eip155:1:0x000000000000000000000000000000000000dead')))?.result, 'operator-list:ops')
  const text = await registry.metrics()
  t.match(text, /virusmap_intel_feed_refreshes_total\{feed="ops",result="changed"\} 1\n/, 'read once for two engines')
  t.match(text, /virusmap_intel_feed_entries\{feed="ops"\} 2/)
})
