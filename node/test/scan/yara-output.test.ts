import tap from 'tap'
import { classify, parseYaraOutput } from '../../src/scan/yara-output.ts'

const PATH = '/tmp/x/sample-abc'

tap.test('parses namespace, rule, tags and the suspicious class', async t => {
  const out = [
    `f2:Zeta [] [] ${PATH}`,
    `f0:Packed [suspicious] [description="UPX"] ${PATH}`,
    `f1:Meta_Suspicious [] [author="a",category="Suspicious",n =5] ${PATH}`,
    `f1:Tricky [] [description="category=\\"suspicious\\" is only text here"] ${PATH}`,
    ''
  ].join('\n')
  t.same(parseYaraOutput(out, PATH), [
    { fileIndex: 2, rule: 'Zeta', suspicious: false },
    { fileIndex: 0, rule: 'Packed', suspicious: true },
    { fileIndex: 1, rule: 'Meta_Suspicious', suspicious: true },
    { fileIndex: 1, rule: 'Tricky', suspicious: false }
  ])
})

tap.test('hostile or foreign lines are ignored', async t => {
  const out = [
    'f0:Other [] [] /etc/passwd',
    `f0:Other [] [] /etc/passwd ${PATH}x`,
    `Rule_Without_Namespace [] [] ${PATH}`,
    `f0:Bad Name [] [] ${PATH}`,
    `fx:Rule [] [] ${PATH}`,
    `f0:Rule [a b] [] ${PATH}`,
    `error scanning ${PATH}: could not open file`,
    '\u0000\u00ff'.repeat(1000)
  ].join('\n')
  t.same(parseYaraOutput(out, PATH), [])
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
