import tap from 'tap'
import { readFileSync } from 'node:fs'
import { detectFileType } from '../../src/scan/file-type.ts'
import { CLAMAV_TESTFILES, noClamavTestfiles } from './yara-helpers.ts'

const bytes = (...parts: Array<number[] | string>): Uint8Array => {
  const out: number[] = []
  for (const p of parts) out.push(...(typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p))
  return Uint8Array.from(out)
}

/** a minimal MZ + PE header with the given optional-header magic */
function pe (magic: number, length = 0x100): Uint8Array {
  const b = new Uint8Array(length)
  b.set([0x4d, 0x5a])
  b.set([0x80, 0, 0, 0], 0x3c)
  b.set([0x50, 0x45, 0, 0], 0x80)
  b.set([magic & 0xff, magic >> 8], 0x80 + 24)
  return b
}

tap.test('PE32 and PE32+ come from the optional header magic', async t => {
  t.equal(detectFileType(pe(0x10b)), 'PE32')
  t.equal(detectFileType(pe(0x20b)), 'PE32+')
  t.equal(detectFileType(pe(0x107)), 'PE', 'ROM image magic is still PE')
})

tap.test('truncated or lying PE headers fall back to DOS', async t => {
  t.equal(detectFileType(bytes('MZ')), 'DOS')
  t.equal(detectFileType(pe(0x10b).subarray(0, 0x40)), 'DOS', 'cut before the PE signature')
  t.equal(detectFileType(pe(0x10b).subarray(0, 0x80 + 25)), 'DOS', 'cut inside the optional header magic')
  const far = pe(0x10b)
  far.set([0xff, 0xff, 0xff, 0x7f], 0x3c)
  t.equal(detectFileType(far), 'DOS', 'e_lfanew beyond the buffer')
  const low = pe(0x10b)
  low.set([0x02, 0, 0, 0], 0x3c)
  t.equal(detectFileType(low), 'DOS', 'e_lfanew inside the DOS header')
  const noSig = pe(0x10b)
  noSig.set([0x4e, 0x45], 0x80)
  t.equal(detectFileType(noSig), 'DOS', 'NE, not PE')
})

tap.test('a real ELF', async t => {
  t.equal(detectFileType(readFileSync('/bin/sh')), 'ELF')
})

tap.test('real PE32 test files', { skip: noClamavTestfiles }, async t => {
  t.equal(detectFileType(readFileSync(`${CLAMAV_TESTFILES}/clam.exe`)), 'PE32')
  t.equal(detectFileType(readFileSync(`${CLAMAV_TESTFILES}/clam-upx.exe`)), 'PE32')
  t.equal(detectFileType(readFileSync(`${CLAMAV_TESTFILES}/clam.zip`)), 'ZIP')
  t.equal(detectFileType(readFileSync(`${CLAMAV_TESTFILES}/clam.7z`)), '7Z')
  t.equal(detectFileType(readFileSync(`${CLAMAV_TESTFILES}/clam.pdf`)), 'PDF')
  t.equal(detectFileType(readFileSync(`${CLAMAV_TESTFILES}/clam.ole.doc`)), 'OLE2')
  t.equal(detectFileType(readFileSync(`${CLAMAV_TESTFILES}/clam.tar.gz`)), 'GZIP')
})

tap.test('containers and documents', async t => {
  t.equal(detectFileType(bytes([0x7f], 'ELF', [2, 1, 1])), 'ELF')
  t.equal(detectFileType(bytes('PK', [3, 4], 'rest')), 'ZIP')
  t.equal(detectFileType(bytes('PK', [5, 6], Array.from({ length: 18 }, () => 0))), 'ZIP')
  t.equal(detectFileType(bytes([0x1f, 0x8b, 8, 0])), 'GZIP')
  t.equal(detectFileType(bytes('7z', [0xbc, 0xaf, 0x27, 0x1c, 0, 4])), '7Z')
  t.equal(detectFileType(bytes('%PDF-1.7\n')), 'PDF')
  t.equal(detectFileType(bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0])), 'OLE2')
  t.equal(detectFileType(bytes('BZh91AY')), 'BZIP2')
  t.equal(detectFileType(bytes('Rar!', [0x1a, 7, 0])), 'RAR')
})

tap.test('Mach-O, fat binaries and Java classes', async t => {
  t.equal(detectFileType(bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1])), 'Mach-O')
  t.equal(detectFileType(bytes([0xfe, 0xed, 0xfa, 0xce])), 'Mach-O')
  t.equal(detectFileType(bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])), 'Mach-O', 'universal binary with 2 slices')
  t.equal(detectFileType(bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52])), 'Java-class', 'class file version 52')
  t.equal(detectFileType(bytes([0xca, 0xfe, 0xba, 0xbe])), 'binary', 'truncated: cannot tell, says binary')
})

tap.test('truncated magic is not claimed', async t => {
  t.equal(detectFileType(bytes([0x7f, 0x45, 0x4c])), 'binary')
  t.equal(detectFileType(bytes('PK', [3])), 'binary')
  t.equal(detectFileType(bytes([0xd0, 0xcf, 0x11, 0xe0])), 'binary')
  t.equal(detectFileType(bytes('%PDF')), 'text')
  t.equal(detectFileType(bytes([0x1f])), 'binary')
})

tap.test('script shebangs', async t => {
  t.equal(detectFileType(bytes('#!/bin/sh\necho hi\n')), 'script/sh')
  t.equal(detectFileType(bytes('#!/usr/bin/env python3\n')), 'script/python')
  t.equal(detectFileType(bytes('#! /usr/bin/perl -w\n')), 'script/perl')
  t.equal(detectFileType(bytes('#!/usr/bin/env -S node --no-warnings\n')), 'script/node')
  t.equal(detectFileType(bytes('#!/opt/weird/interp')), 'script', 'unknown interpreter, no newline')
  t.equal(detectFileType(bytes('#!')), 'script')
  t.equal(detectFileType(bytes('#!/bin/bashful\n')), 'script', 'a prefix of a name is not the name')
  t.ok(detectFileType(bytes('#!', 'x'.repeat(100_000))).length <= 32, 'an endless shebang line stays a short tag')
})

tap.test('text versus binary', async t => {
  t.equal(detectFileType(new Uint8Array()), 'empty')
  t.equal(detectFileType(bytes('hello, world\r\n\tindented\n')), 'text')
  t.equal(detectFileType(Buffer.from('grüße, 日本語 ✓\n')), 'text', 'UTF-8')
  t.equal(detectFileType(bytes([0xef, 0xbb, 0xbf], 'bom')), 'text')
  t.equal(detectFileType(bytes('abc', [0], 'def')), 'binary', 'NUL byte')
  t.equal(detectFileType(bytes([0xc3, 0x28, 0x41, 0x42, 0x43])), 'binary', 'invalid UTF-8')
  t.equal(detectFileType(bytes([0x01, 0x02, 0x03])), 'binary', 'control bytes')
  const cut = Buffer.from('x'.repeat(64 * 1024 - 1) + '日本')
  t.equal(detectFileType(cut), 'text', 'a multi-byte character cut at the sniff limit is still text')
})

tap.test('only the head of a large sample is read', async t => {
  const big = new Uint8Array(64 * 1024 * 1024)
  big.set(Buffer.from('%PDF-1.4'))
  t.equal(detectFileType(big), 'PDF')
  const text = new Uint8Array(8 * 1024 * 1024).fill(0x41)
  text[text.length - 1] = 0
  t.equal(detectFileType(text), 'text', 'a NUL beyond the sniffed head does not count')
})
