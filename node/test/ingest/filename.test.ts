import tap from 'tap'
import { MAX_FILENAME_BYTES, sanitizeFilename } from '../../src/ingest/filename.ts'

tap.test('ordinary names, in any script, are kept as they are', async t => {
  for (const name of ['evil.exe', 'Rechnung März.pdf', '請求書.docx', 'счёт.zip', 'ملف.txt', 'photo 🙂.jpg', '👨‍👩‍👧.bin', 'a b  c.txt', 'C:\\Users\\x\\a.exe']) {
    t.equal(sanitizeFilename(name), name, name)
  }
})

tap.test('terminal escapes and other controls are stripped', async t => {
  t.equal(sanitizeFilename('\x1b[2J\x1b[1;1Hinvoice.pdf'), '[2J[1;1Hinvoice.pdf', 'ESC removed, the rest is inert text')
  t.equal(sanitizeFilename('a\x1b]8;;http://evil\x07link\x1b]8;;\x07.exe'), 'a]8;;http://evillink]8;;.exe', 'OSC 8 hyperlink disarmed')
  t.equal(sanitizeFilename('x\u009b31mred'), 'x31mred', 'C1 CSI')
  t.equal(sanitizeFilename('del\x7f\x08\x08\x08ok'), 'delok', 'DEL and backspaces')
  t.equal(sanitizeFilename('line1\r\nline2\ttab\0nul'), 'line1line2tabnul', 'CR, LF, tab, NUL')
  t.equal(sanitizeFilename('\u0085next\u0080\u009f'), 'next', 'all of C1')
})

tap.test('bidi overrides and isolates are stripped; other format characters stay', async t => {
  t.equal(sanitizeFilename('invoice\u202Efdp.exe'), 'invoicefdp.exe', 'RLO cannot disguise an .exe')
  for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
    t.equal(sanitizeFilename(`a${String.fromCodePoint(cp)}b`), 'ab', cp.toString(16))
  }
  t.equal(sanitizeFilename('a\u200db'), 'a\u200db', 'ZWJ (needed by emoji) stays')
})

tap.test('lone surrogates are dropped, pairs kept', async t => {
  t.equal(sanitizeFilename('a\ud800b\udfffc'), 'abc')
  t.equal(sanitizeFilename('\ud83d\ude00'), '😀')
})

tap.test('length is capped in UTF-8 bytes on a code point boundary', async t => {
  t.equal(Buffer.byteLength(sanitizeFilename('a'.repeat(10_000))), MAX_FILENAME_BYTES)
  const cjk = sanitizeFilename('請'.repeat(200)) // 3 bytes each
  t.equal(cjk, '請'.repeat(85))
  const emoji = sanitizeFilename('a' + '😀'.repeat(100)) // 1 + 4n bytes
  t.equal(emoji, 'a' + '😀'.repeat(63), '253 bytes: the 64th emoji would pass 255, and no half of it is kept')
  t.equal(sanitizeFilename('abcdef', 3), 'abc')
  t.equal(sanitizeFilename('é', 1), '', 'a code point that does not fit is left out whole')
  // controls do not count against the cap, and a huge hostile prefix costs only a scan
  t.equal(sanitizeFilename('\x1b'.repeat(100_000) + 'ok.exe'), 'ok.exe')
})

tap.test('names that are nothing but controls or blanks become empty', async t => {
  t.equal(sanitizeFilename(''), '')
  t.equal(sanitizeFilename('\x1b\x1b\u202e'), '')
  t.equal(sanitizeFilename('  \t  '), '')
  t.equal(sanitizeFilename('  name.txt  '), 'name.txt', 'trimmed')
})
