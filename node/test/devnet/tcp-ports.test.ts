import { createServer } from 'node:net'
import tap from 'tap'
import { devnetPorts, ephemeralPortsStart, freePorts } from '../../src/devnet/tcp-ports.ts'

// A devnet's ports are picked below the kernel's ephemeral range, where no outgoing connection can
// take one between the probe and the node's bind.
tap.test('picked ports are distinct, free, and below the ephemeral range', async (t) => {
  const { api, p2p } = await devnetPorts(0, 4)
  const all = [...api, ...p2p]
  t.equal(new Set(all).size, 8)
  t.ok(all.every((p) => p >= 10_000 && p < ephemeralPortsStart()), `all in [10000, ${ephemeralPortsStart()})`)
})

tap.test('a fixed base keeps addresses across restarts', async (t) => {
  t.same(await devnetPorts(38_000, 2), { api: [38_000, 38_001], p2p: [38_100, 38_101] })
})

tap.test('a port in use is skipped, and a repeated pick counts once', async (t) => {
  const span = ephemeralPortsStart() - 10_000
  const drawOf = (port: number): number => (port - 10_000 + 0.5) / span
  // a listener of our own on a port inside the range (a random one, so parallel runs do not collide)
  const busy = createServer()
  const taken = await new Promise<number>((resolve, reject) => {
    const port = 10_000 + Math.floor(Math.random() * (span - 10))
    busy.once('error', reject)
    busy.listen(port, '127.0.0.1', () => { resolve(port) })
  })
  t.teardown(() => { busy.close() })
  // the busy port twice, then a free one twice, then its neighbour: two distinct free ports come out
  const sequence = [taken, taken, taken + 1, taken + 1, taken + 2].map(drawOf)
  let i = 0
  const ports = await freePorts(2, () => sequence[i++ % sequence.length] as number)
  t.notOk(ports.includes(taken), 'the busy port is not handed out')
  t.same(ports, [taken + 1, taken + 2], 'a port drawn twice counts once')
})
