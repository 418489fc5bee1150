/** The TCP port numbers a devnet's nodes listen on: the API's and libp2p's, fixed from a base or picked free. */
import { createServer } from 'node:net'

export interface DevnetPorts {
  api: number[]
  p2p: number[]
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address != null ? address.port : 0) })
    })
  })
}

/**
 * Node i serves its API on base+i and libp2p on base+100+i, so addresses stay the same across
 * restarts; base 0 picks free ports (tests run several devnets side by side).
 */
export async function devnetPorts (base: number, nodes: number): Promise<DevnetPorts> {
  const indices = [...Array(nodes).keys()]
  if (base !== 0) return { api: indices.map((i) => base + i), p2p: indices.map((i) => base + 100 + i) }
  const api: number[] = []
  const p2p: number[] = []
  for (const _ of indices) {
    api.push(await freePort())
    p2p.push(await freePort())
  }
  return { api, p2p }
}
