import tap from 'tap'
import { randomBytes } from 'node:crypto'
import { isFileHash, parseFileHash } from '../../src/api/ids.ts'

/** the pattern isFileHash reads in one pass */
const FILE_HASH = /^(?:0x)?(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i

const hex = (bytes: number): string => randomBytes(bytes).toString('hex')

tap.test('isFileHash answers as the file-hash pattern does', async (t) => {
  const cases = [
    '', '0', '0x', '0X', 'x', hex(16), hex(20), hex(32), hex(16).toUpperCase(), `0x${hex(32)}`, `0X${hex(20)}`, `0x${hex(16).toUpperCase()}`,
    `0x${hex(15)}`, `0x${hex(31)}ab`, `00${hex(31)}`, `0x0x${hex(16)}`, `${hex(32)}0`, hex(32).slice(1), ` ${hex(16)}`, `${hex(16)}\n`,
    `${hex(16).slice(0, 31)}g`, `${hex(16).slice(0, 31)}G`, `${hex(16).slice(0, 31)}/`, `${hex(16).slice(0, 31)}:`, `${hex(16).slice(0, 31)}@`,
    `${hex(16).slice(0, 31)}\``, `${hex(16).slice(0, 31)}\u0010`, `${hex(16).slice(0, 31)}é`, `0y${hex(16)}`, `1x${hex(16)}`, `0\u0058${hex(16)}`, `0\u0078${hex(16)}`
  ]
  // every character code once, at each end of a sha1, and random mixes
  for (let c = 0; c < 0x180; c++) cases.push(`${String.fromCharCode(c)}${hex(20).slice(1)}`, `${hex(20).slice(0, 39)}${String.fromCharCode(c)}`, `0${String.fromCharCode(c)}${hex(16)}`)
  const alphabet = '0123456789abcdefABCDEFxXg '
  for (let i = 0; i < 5000; i++) {
    const length = [30, 32, 34, 40, 42, 64, 66][i % 7] as number
    cases.push(Array.from({ length }, () => alphabet[Math.random() < 0.97 ? Math.floor(Math.random() * 22) : Math.floor(Math.random() * alphabet.length)]).join(''))
  }
  let accepted = 0
  for (const value of cases) {
    const expected = FILE_HASH.test(value)
    if (isFileHash(value) !== expected) t.fail(`${JSON.stringify(value)}: ${!expected}, the pattern ${expected}`)
    if (expected) accepted++
  }
  t.ok(accepted > 100, `both answers met (${accepted} of ${cases.length} accepted)`)
  t.equal(parseFileHash(`0X${'AB'.repeat(32)}`), `0x${'ab'.repeat(32)}`)
  t.throws(() => parseFileHash('ab'.repeat(31)), { code: 'BadRequestError' })
})
