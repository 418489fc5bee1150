// Encrypted JSON keystores (Web3 Secret Storage, as written by ethers, geth and most wallets):
// the only way `virusmap gov`/`deploy` take a private key by default.
import { Wallet, encryptKeystoreJson, isKeystoreJson } from 'ethers'
import { GovernanceError } from './errors.ts'

/** scrypt cost of new keystores; geth's "standard" (2^18) takes seconds in JS, 2^17 is ethers' default. */
export const DEFAULT_SCRYPT_N = 131072

export async function encryptKeystore (wallet: Wallet, passphrase: string, options: { scryptN?: number } = {}): Promise<string> {
  return await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, passphrase, {
    scrypt: { N: options.scryptN ?? DEFAULT_SCRYPT_N }
  })
}

/** Decrypts a keystore; a wrong passphrase or a file that is not a keystore is a GovernanceError. */
export async function decryptKeystore (json: string, passphrase: string): Promise<Wallet> {
  if (!isKeystoreJson(json)) throw new GovernanceError('BAD_KEYSTORE', 'not an encrypted JSON keystore')
  try {
    const wallet = await Wallet.fromEncryptedJson(json, passphrase)
    return wallet instanceof Wallet ? wallet : new Wallet(wallet.privateKey)
  } catch (err) {
    if ((err as { shortMessage?: string, message?: string }).message?.includes('incorrect password') === true) {
      throw new GovernanceError('WRONG_PASSPHRASE', 'wrong passphrase for the keystore')
    }
    throw new GovernanceError('BAD_KEYSTORE', `cannot decrypt the keystore: ${(err as Error).message.split('\n')[0]}`)
  }
}
