import tap from 'tap'
import { EventEmitter } from 'node:events'
import type { FastifyReply } from 'fastify'
import { requestOptions, requestSignal } from '../../src/api/request.ts'

/** a reply whose raw response closes (finished or cut off) when the test says */
function reply (): { reply: FastifyReply, close: (finished: boolean) => void, listeners: () => number } {
  const raw = Object.assign(new EventEmitter(), { closed: false, writableFinished: false })
  return {
    reply: { raw } as unknown as FastifyReply,
    close: (finished) => { raw.writableFinished = finished; raw.closed = true; raw.emit('close') },
    listeners: () => raw.listenerCount('close')
  }
}

tap.test('requestOptions makes the request signal only when it is read, with the same answer', async (t) => {
  const unread = reply()
  const options = requestOptions(unread.reply)
  t.equal(unread.listeners(), 0, 'nothing made while the signal is not read')
  unread.close(false)

  const early = reply()
  const read = requestOptions(early.reply)
  const signal = read.signal
  t.equal(read.signal, signal, 'one signal per options')
  t.equal(early.listeners(), 1)
  early.close(false)
  t.ok(signal.aborted, 'read before a cut-off close: aborted by it')

  const cut = reply()
  const late = requestOptions(cut.reply)
  cut.close(false)
  t.ok(late.signal.aborted, 'read after the response was cut off: aborted already')
  t.match(String(late.signal.reason), /client closed the connection/)

  const done = reply()
  const after = requestOptions(done.reply)
  done.close(true)
  t.notOk(after.signal.aborted, 'read after the response was sent: never aborted')
  t.equal(done.listeners(), 0, 'and no listener left on a closed response')

  const sent = reply()
  const eager = requestSignal(sent.reply)
  sent.close(true)
  t.notOk(eager.aborted, 'requestSignal: a sent response does not abort')
  t.ok(options.signal.aborted, 'the first options, read only now after their cut-off close: aborted')
})
