import tap from 'tap'
import { scriptsOf, skeleton } from '../../src/intel/confusables.ts'

tap.test('skeletons fold homoglyphs, accents, full-width forms and digraphs to ASCII', async (t) => {
  t.equal(skeleton('mеtamask'), 'metamask', 'Cyrillic е')
  t.equal(skeleton('οpensea'), 'opensea', 'Greek ο')
  t.equal(skeleton('mètamåsk'), 'metamask', 'accents')
  t.equal(skeleton('ｍｅｔａ'), 'meta', 'full-width')
  t.equal(skeleton('rnetamask'), 'metamask', 'rn reads as m')
  t.equal(skeleton('m3tamask'), 'metamask', 'digits for letters')
  t.equal(skeleton('example'), 'example')
  t.equal(skeleton(''), '')
})

tap.test('scripts of a label: digits and hyphens belong to none', async (t) => {
  t.same([...scriptsOf('paypal')], ['latin'])
  t.same([...scriptsOf('pаypal')].toSorted(), ['cyrillic', 'latin'])
  t.same([...scriptsOf('яндекс')], ['cyrillic'])
  t.same([...scriptsOf('123-456')], [])
  t.same([...scriptsOf('中文abc')].toSorted(), ['latin', 'other'])
})
