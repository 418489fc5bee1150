import tap from 'tap'
import { classify, isSuspicious } from '../../src/scan/yara-output.ts'

tap.test('the suspicious class: a suspicious tag or meta category, any case', async t => {
  t.equal(isSuspicious(['packer', 'Suspicious'], {}), true)
  t.equal(isSuspicious([], { author: 'a', category: 'SUSPICIOUS' }), true)
  t.equal(isSuspicious([], { description: 'category="suspicious" is only text here' }), false)
  t.equal(isSuspicious([], { category: 7 }), false, 'a non-string category is not a class')
  t.equal(isSuspicious(['malware'], null), false)
  t.equal(isSuspicious([], undefined), false)
})

tap.test('classification: malicious beats suspicious, first by file order', async t => {
  t.same(classify([]), { category: 'undetected', result: '' })
  t.same(classify([{ fileIndex: 0, rule: 'S', suspicious: true }]), { category: 'suspicious', result: 'S' })
  t.same(classify([
    { fileIndex: 0, rule: 'S', suspicious: true },
    { fileIndex: 3, rule: 'Late', suspicious: false },
    { fileIndex: 1, rule: 'Early_B', suspicious: false },
    { fileIndex: 1, rule: 'Early_A', suspicious: false }
  ]), { category: 'malicious', result: 'Early_B' }, 'rule order within a file is kept')
})
