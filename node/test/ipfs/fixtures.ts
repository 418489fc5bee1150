import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { identify } from '@libp2p/identify'
import { kadDHT } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { createBitswapService, createDurableBlockstore } from '../../src/ipfs/index.ts'
import type { Test } from 'tap'

/** A real libp2p node on loopback (tcp + noise + yamux + identify + kad-dht) with a durable blockstore and bitswap. */
export async function startBitswapNode (t: Test, name: string) {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      // loopback addresses are the only ones here, so keep them
      dht: kadDHT({ protocol: '/virusmap-test/kad/1.0.0', clientMode: false, peerInfoMapper: p => p })
    }
  })
  const dir = await mkdtemp(path.join(tmpdir(), `virusmap-${name}-`))
  const blockstore = createDurableBlockstore({ path: path.join(dir, 'blocks') })
  await blockstore.open()
  const bitswap = createBitswapService({ libp2p, blockstore })
  await bitswap.start()
  t.teardown(async () => {
    await bitswap.stop()
    await libp2p.stop()
    await rm(dir, { recursive: true, force: true })
  })
  return { libp2p, blockstore, bitswap }
}
