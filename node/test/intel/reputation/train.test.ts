import tap from 'tap'
import { readFileSync, statSync } from 'node:fs'
import { train } from '../../../scripts/reputation/train.ts'
import type { LabelledHost } from '../../../scripts/reputation/labelled-hosts.ts'
import { DEFAULT_MODEL_PATH } from '../../../src/intel/reputation/reputation-engine.ts'
import { MODEL_FEATURES, extractFeatures } from '../../../src/intel/reputation/features.ts'
import { decide, loadModel } from '../../../src/intel/reputation/model.ts'
import { confusionSvg } from '../../../scripts/reputation/confusion-svg.ts'
import { MALICIOUS_LABELS } from '../../../src/intel/reputation/threat-dictionary.ts'

// a small fixed subset in the shape of the real sources
const HOSTS: LabelledHost[] = [
  ...['google.com', 'youtube.com', 'wikipedia.org', 'github.com', 'metamask.io', 'opensea.io', 'etherscan.io', 'apple.com', 'amazon.com', 'microsoft.com', 'linkedin.com', 'uniswap.org']
    .map(host => ({ host, label: 'benign' as const, source: 'top' })),
  ...['metamask-wallet-restore.xyz', 'myetherwallet.uk.com', 'claim-airdrop-uniswap.netlify.app', 'opensea-nft-mint.live', 'secure-login-ledger.com', 'walletconnect-sync.site', 'binance-verify.top', 'xn--mtamask-7gg.io']
    .map(host => ({ host, label: 'phishing' as const, source: 'eth' })),
  ...['dl-payload-123.ru', 'update-flash-player.info', 'a1b2c3d4e5.top', 'keygen-crack-free.biz', 'cdn-loader.xyz', 'bin-drop.cc']
    .map(host => ({ host, label: 'malware' as const, source: 'urlhaus' })),
  ...['ads.example.com', 'adserver.net', 'banner-click.com', 'popunder.io', 'ad.doubleclick.net', 'adx.promo-net.com']
    .map(host => ({ host, label: 'adware' as const, source: 'easylist' }))
]
const options = { seed: 7, folds: 3, k: 3, perLabel: 10, dataDate: '20251025', sources: [] }

tap.test('training is deterministic: the same subset and seed give the same model and figures twice', async t => {
  const a = train(HOSTS, options)
  const b = train(HOSTS.toReversed(), options)
  t.equal(JSON.stringify(a.model), JSON.stringify(b.model), 'byte-identical model, whatever the input order')
  t.same(a.report, b.report)
  t.same(a.model.features, [...MODEL_FEATURES])
  t.equal(a.report.knn.rows, 12 + 12, 'binary: every benign host, as many harmful ones')
  t.same(a.report.multiComposition, { adware: 6, benign: 10, malware: 6, phishing: 8 })
  t.equal(a.report.tree.confusion.classes.join(), 'benign,phishing,malware,adware', 'classes without rows are left out')
  const model = loadModel(JSON.stringify(a.model))
  t.equal(decide(model, extractFeatures('metamask-wallet-restore.xyz')).category, 'malicious', 'a training row classifies as its label')
  const svg = confusionSvg(a.report.tree.confusion, 'test <&>')
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  t.match(svg, /test &#60;&#38;&#62;/, 'labels are escaped')
})

tap.test('the shipped model loads, is small, and classifies known examples', async t => {
  t.ok(statSync(DEFAULT_MODEL_PATH).size < 1 << 20, 'under 1 MiB, so it is committed')
  const model = loadModel(readFileSync(DEFAULT_MODEL_PATH, 'utf8'))
  t.match(model.file.dataDate, /^\d{8}$/)
  t.ok(model.file.sources.length >= 5, 'sources recorded with their hashes')
  t.ok(model.file.evaluation.knnF1 !== undefined && model.file.evaluation.knnF1 > 0.5, 'its evaluation travels with it')
  for (const host of ['google.com', 'github.com', 'wikipedia.org', 'metamask.io', 'myetherwallet.com']) {
    t.equal(decide(model, extractFeatures(host)).category, 'undetected', `${host} is not flagged`)
  }
  for (const host of ['metamask-wallet-restore.xyz', 'myetherwallet.uk.com', 'claim-airdrop-uniswap.netlify.app']) {
    const d = decide(model, extractFeatures(host))
    t.equal(d.category, 'malicious', `${host} is malicious`)
    t.ok((MALICIOUS_LABELS as readonly string[]).includes(d.label), `${host}: ${d.label} is a harmful label`)
  }
})
