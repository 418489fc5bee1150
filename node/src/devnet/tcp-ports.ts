/** The TCP port numbers a devnet's nodes listen on: the API's and libp2p's, fixed from a base or picked free. */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

export interface DevnetPorts {
  api: number[]
  p2p: number[]
}

/** the lowest port picked; below are the well-known and registered services a machine may run */
const LOWEST = 10_000
const TRIES = 200

/**
 * The first port the kernel hands out for outgoing connections and `listen(0)` (Linux's
 * ip_local_port_range; 32768 elsewhere and by default). A port probed free inside that range can be
 * taken by any outgoing connection before the node binds it (a devnet once lost a node to that:
 * exit code 4 at start), so devnet ports are picked below it, where only listeners that pick a port
 * themselves go.
 */
export function ephemeralPortsStart (): number {
  try {
    const first = Number.parseInt(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0] ?? '', 10)
    return Number.isInteger(first) && first > LOWEST + TRIES ? first : 32_768
  } catch {
    return 32_768
  }
}

async function bindable (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}

/** `count` distinct ports, free now, at random below the ephemeral range */
export async function freePorts (count: number, random: () => number = Math.random): Promise<number[]> {
  const span = ephemeralPortsStart() - LOWEST
  const picked: number[] = []
  for (let tries = 0; picked.length < count; tries++) {
    if (tries >= TRIES * count) throw new Error(`no ${count} free ports found below ${LOWEST + span}`)
    const port = LOWEST + Math.floor(random() * span)
    if (!picked.includes(port) && await bindable(port)) picked.push(port)
  }
  return picked
}

/**
 * Node i serves its API on base+i and libp2p on base+100+i, so addresses stay the same across
 * restarts; base 0 picks free ports (tests run several devnets side by side).
 */
export async function devnetPorts (base: number, nodes: number): Promise<DevnetPorts> {
  const indices = [...Array(nodes).keys()]
  if (base !== 0) return { api: indices.map((i) => base + i), p2p: indices.map((i) => base + 100 + i) }
  const ports = await freePorts(2 * nodes)
  return { api: ports.slice(0, nodes), p2p: ports.slice(nodes) }
}
