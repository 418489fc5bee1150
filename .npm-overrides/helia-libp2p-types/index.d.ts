import type { Helia } from '@helia/interface'
import type { Libp2p } from '@libp2p/interface'

export interface HeliaWithLibp2p<T extends Libp2p = Libp2p> extends Helia {
  libp2p: T
}
