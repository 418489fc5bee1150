import { setImmediate as nextTurn } from 'node:timers/promises'
import tap from 'tap'
import { TOPICS } from '#protocol/messages.ts'
import { createGossipProcessor, GossipQueueError, TOPIC_ORDER } from '../../src/network/gossip-processor.ts'
import type { TopicName } from '#protocol/messages.ts'

const busy = (ms: number): void => {
  const until = performance.now() + ms
  while (performance.now() < until);
}

tap.test('every topic has its place in the order, once', async (t) => {
  t.same(TOPIC_ORDER.toSorted(), Object.keys(TOPICS).toSorted())
  t.equal(TOPIC_ORDER.at(-1), 'jobs', 'new jobs come last: work under way finishes first')
})

tap.test('messages queued at once are judged by topic order, first come first within a topic', async (t) => {
  const p = createGossipProcessor()
  p.start()
  t.teardown(() => { p.stop() })
  const ran: string[] = []
  const pushed: Array<Promise<void>> = []
  const push = (topic: TopicName, n: number): void => { pushed.push(p.push(topic, 10, async () => { ran.push(`${topic}${n}`) })) }
  push('jobs', 1)
  push('commits', 1)
  push('jobs', 2)
  push('bundles', 1)
  push('attestations', 1)
  push('bundles', 2)
  t.equal(p.queued, 6)
  t.same(ran, [], 'nothing is judged inside gossipsub\'s event: it only queues')
  await Promise.all(pushed)
  t.same(ran, ['bundles1', 'bundles2', 'attestations1', 'commits1', 'jobs1', 'jobs2'])
  t.equal(p.queued, 0)
})

tap.test('a push settles as its work does', async (t) => {
  const p = createGossipProcessor()
  p.start()
  t.teardown(() => { p.stop() })
  await t.resolves(p.push('jobs', 1, async () => {}))
  await t.rejects(p.push('jobs', 1, async () => { throw new RangeError('judged bad') }), RangeError)
})

tap.test('a flood of jobs holds back no member\'s bundle, and I/O runs between turns', async (t) => {
  const p = createGossipProcessor({ turnBudgetMs: 5 })
  p.start()
  t.teardown(() => { p.stop() })
  const ran: string[] = []
  const flood = Array.from({ length: 200 }, (_, i) => p.push('jobs', 100, async () => { busy(1); ran.push(`job${i}`) }))
  // a timer set now stands for the socket reads and pings the flood must not starve
  let ioAfter = -1
  setImmediate(() => { ioAfter = ran.length })
  await nextTurn()
  await nextTurn()
  // the bundle arrives while most of the flood still waits
  await p.push('bundles', 100, async () => { ran.push('bundle') })
  t.ok(ran.indexOf('bundle') < 40, `judged after ${ran.indexOf('bundle')} of 200 jobs, not after all of them`)
  t.ok(ioAfter >= 0 && ioAfter < 40, `other callbacks ran after ${ioAfter} jobs`)
  await Promise.all(flood)
  t.equal(ran.length, 201, 'every job was judged in the end')
})

tap.test('a full queue drops the newest message with QUEUE_FULL; what is queued is kept', async (t) => {
  const p = createGossipProcessor({ maxQueuedPerTopic: 3, maxQueuedBytes: 1000 })
  p.start()
  t.teardown(() => { p.stop() })
  let ran = 0
  const work = async (): Promise<void> => { ran++ }
  const kept = [p.push('jobs', 10, work), p.push('jobs', 10, work), p.push('jobs', 10, work)]
  await t.rejects(p.push('jobs', 10, work), { name: 'GossipQueueError', code: 'QUEUE_FULL' })
  // another topic has its own count, but all topics share the byte bound
  const commit = p.push('commits', 900, work)
  await t.rejects(p.push('bundles', 100, work), { code: 'QUEUE_FULL' }, 'over the byte bound')
  await Promise.all([...kept, commit])
  t.equal(ran, 4)
  await t.resolves(p.push('bundles', 1000, work), 'the bound frees as messages are judged')
})

tap.test('stop ends every queued message with STOPPED, and nothing is judged after it', async (t) => {
  const p = createGossipProcessor()
  p.start()
  let ran = 0
  const queued = [p.push('jobs', 1, async () => { ran++ }), p.push('bundles', 1, async () => { ran++ })]
  p.stop()
  for (const q of queued) await t.rejects(q, { code: 'STOPPED' })
  await t.rejects(p.push('jobs', 1, async () => { ran++ }), { code: 'STOPPED' }, 'not running: refused at once')
  await nextTurn()
  t.equal(ran, 0)
  t.equal(p.queued, 0)
  p.start()
  await t.resolves(p.push('jobs', 1, async () => { ran++ }), 'started again, it judges again')
  t.equal(ran, 1)
  t.ok(new GossipQueueError('QUEUE_FULL', 'x') instanceof Error)
})
