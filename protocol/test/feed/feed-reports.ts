/**
 * Final reports of one epoch for the feed's vectors and tests (SPEC section 18, feeds): the anchor vector's
 * three (a flagged file, a flagged URL, a benign later file), a file only suspicious engines flag, and a
 * second report of the first file, scanned later: the feed keeps the first.
 */
import type { Report } from '../../src/index.ts'
import { FILE_VOTES, finalReport, otherReports } from '../anchor-fixtures.ts'
import { makeSignedJob, NOW, result } from '../fixtures.ts'

export async function feedReports (): Promise<Report[]> {
  const file = await finalReport(await makeSignedJob(), FILE_VOTES, [0, 1, 2])
  const [url, benign] = await otherReports()
  const packed = await makeSignedJob({ sha256: `0x${'3c'.repeat(32)}`, sha1: `0x${'3c'.repeat(20)}`, md5: `0x${'3c'.repeat(16)}`, size: 4096, fileType: 'PE32' })
  const suspicious = await finalReport(packed, [[result('YARA', 'suspicious', 'Packed_UPX')], [result('YARA', 'suspicious', 'Packed_UPX')], [result('YARA', 'undetected')]], [0, 1, 2])
  const rescan = await makeSignedJob({ createdAt: NOW + 60_000, commitDeadline: NOW + 120_000, revealDeadline: NOW + 180_000 })
  const later = await finalReport(rescan, [[result('YARA', 'malicious', 'Win32_Evil_A')], [result('YARA', 'malicious', 'Win32_Evil_A')], [result('YARA', 'malicious', 'Win32_Evil_C')]], [0, 1, 2])
  return [file, url, benign, suspicious, later]
}
