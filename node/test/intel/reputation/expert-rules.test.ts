import tap from 'tap'
import { applyExpertRules } from '../../../src/intel/reputation/expert-rules.ts'
import { extractFeatures } from '../../../src/intel/reputation/features.ts'

tap.test('expert rules: network evidence dominates, popularity guards, the name alone rarely convicts', async t => {
  const plain = applyExpertRules(extractFeatures('example.com'))
  t.same([plain.verdict, plain.label, plain.reputation], ['undetected', 'benign', 0], 'nothing known, nothing said')

  const detected = applyExpertRules(extractFeatures('example.com', {
    engineDetections: { malicious: 5, suspicious: 0, total: 10 },
    relatedFiles: { maxMalicious: 9, totalEngines: 10 },
    engineLabels: ['Trojan.Downloader', 'Win32.Malware.Gen']
  }))
  t.equal(detected.verdict, 'malicious')
  t.equal(detected.label, 'malware', 'label from the engines\' words')
  t.ok(detected.reasons.some(r => r.startsWith('engine detections')))

  const popular = applyExpertRules(extractFeatures('example.com', { popularityRank: 10, engineDetections: { malicious: 0, suspicious: 0, total: 10 }, relatedFiles: { maxMalicious: 0, totalEngines: 10 } }))
  t.equal(popular.verdict, 'harmless', 'popular and clean')

  const phish = applyExpertRules(extractFeatures('metamask-wallet-restore.xyz'))
  t.equal(phish.label, 'phishing')
  t.ok(phish.verdict === 'malicious' || phish.verdict === 'suspicious', `lexical phishing shape flagged (${phish.verdict}, ${phish.reputation})`)

  const idn = applyExpertRules(extractFeatures('xn--mtamask-7gg.io'))
  t.equal(idn.label, 'phishing', 'IDN look-alike of a brand')

  const votes = applyExpertRules(extractFeatures('coinhive-pool.example.com', { communityVotes: { harmless: 0, malicious: 4 }, highConfidenceEngineHits: ['A', 'B'] }))
  t.equal(votes.verdict, 'malicious')
  t.equal(votes.label, 'mining')
  t.ok(votes.reputation >= -100 && votes.reputation <= 100, 'clamped')
})
