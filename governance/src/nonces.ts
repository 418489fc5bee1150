// ethers' providers answer identical requests from a short cache (250 ms by default), so two
// transactions sent back to back by a local-key Wallet can both read the same pending nonce.
// The flows here send many transactions in a row, so they count nonces locally, one manager per
// address (the same account may act as deployer, proposer and voter).
import { NonceManager } from 'ethers'
import type { Signer } from 'ethers'

export type NonceManaged = (signer: Signer) => Promise<Signer>

export function nonceManaged (): NonceManaged {
  const managers = new Map<string, NonceManager>()
  return async (signer) => {
    if (signer instanceof NonceManager) return signer
    const address = (await signer.getAddress()).toLowerCase()
    let manager = managers.get(address)
    if (manager === undefined) {
      manager = new NonceManager(signer)
      managers.set(address, manager)
    }
    return manager
  }
}
