// A devnet restarts a node on other ports only when the node exited because a picked port was taken: the lines
// below are the ones a supernode writes then (its API's listen, and libp2p's listeners, seen with a port held by
// another process), and any other failure is reported as it is.
import tap from 'tap'
import { NodeProcessError, portWasTaken } from '../../src/devnet/node-process.ts'

const exited = (line: string): NodeProcessError => new NodeProcessError('NODE_EXITED', `supernode at http://127.0.0.1:21001 exited with code 4: ${line}`)

tap.test('the lines a node exits with when its port is taken', async (t) => {
  t.ok(portWasTaken(exited('virusmap: unexpected error: listen EADDRINUSE: address already in use 127.0.0.1:21001')), 'the API port')
  t.ok(portWasTaken(exited('virusmap: unexpected error: Some configured addresses failed to be listened on, you may need to remove one or more listen addresses from your configuration or set `transportManager.faultTolerance` to NO_FATAL:')), 'the libp2p port')
})

tap.test('every other failure is not retried', async (t) => {
  t.notOk(portWasTaken(exited('virusmap: config.json: Unexpected token n in JSON at position 2 is not valid JSON')), 'a bad config')
  t.notOk(portWasTaken(new NodeProcessError('NODE_NOT_READY', 'supernode at http://127.0.0.1:21001 not ready: EADDRINUSE')), 'a node that never got ready')
  t.notOk(portWasTaken(new Error('listen EADDRINUSE: address already in use')), 'an error that is not a node exit')
  t.notOk(portWasTaken(undefined), 'no error at all')
  t.notOk(portWasTaken({ code: 'NODE_EXITED', message: 'EADDRINUSE' }), 'a lookalike object')
})
