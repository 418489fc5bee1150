import tap from 'tap'
import type { Hex } from '#protocol/messages.ts'
import type { Report } from '#protocol/report-format.ts'
import type { JobAnchor } from '../../src/db/anchor-repository.ts'
import type { SampleRecord } from '../../src/db/sample-repository.ts'
import { reportAnchor, sampleInfo } from '../../src/supernode/api-adapters.ts'

const hex = (byte: string, bytes: number): Hex => `0x${byte.repeat(bytes)}`

tap.test('a record read again gives the same view; a new record a new one', async (t) => {
  const record: SampleRecord = { sha256: hex('01', 32), sha1: hex('02', 20), md5: hex('03', 16), size: 3, fileType: 'text', cid: 'bafy', contentKey: hex('09', 32), firstSeen: 1, lastSeen: 2, names: ['a.txt'] }
  const view = sampleInfo(record)
  t.strictSame(view, { sha256: record.sha256, sha1: record.sha1, md5: record.md5, size: 3, fileType: 'text', names: ['a.txt'], firstSeen: 1, lastSeen: 2 }, 'what is served: no CID, no content key')
  t.equal(sampleInfo(record), view, 'the same record: the same view')
  const uploaded = { ...record, lastSeen: 5, names: ['a.txt', 'b.txt'] }
  t.not(sampleInfo(uploaded), view, 'a stored upload is a new record: a new view')
  t.strictSame(sampleInfo(uploaded).names, ['a.txt', 'b.txt'])

  const report = { jobId: hex('aa', 32) } as Report
  let stored: JobAnchor | undefined = { epoch: 4, root: hex('0b', 32), leafIndex: 2, proof: [hex('0c', 32)], block: 90 }
  const anchors = { jobAnchor: async () => stored }
  const anchor = await reportAnchor(anchors, report)
  t.strictSame(anchor, { epoch: 4, root: hex('0b', 32), proof: [hex('0c', 32)], block: 90 })
  t.equal(await reportAnchor(anchors, report), anchor, 'the same anchor record: the same view')
  stored = { ...stored, epoch: 5, block: 120 }
  const moved = await reportAnchor(anchors, report)
  t.not(moved, anchor, 'anchored again (a reorg): a new view')
  t.match(moved, { epoch: 5, block: 120 })
  stored = undefined
  t.equal(await reportAnchor(anchors, report), undefined, 'no anchor')
  t.equal(await reportAnchor(anchors, undefined), undefined, 'no report')
})
