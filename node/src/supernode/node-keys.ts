import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { Wallet } from 'ethers'
import type { Hex } from '#protocol/messages.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * A supernode's three keys: the operator key (secp256k1; its address registers on chain and
 * signs verdicts), the libp2p peer key (ed25519) and the X25519 key members' content keys are
 * wrapped to. Kept in DATA/keys/node-keys.json, mode 0600, created on first start.
 */
export interface NodeKeys {
  operator: Wallet
  peerKey: PrivateKey
  x25519SecretKey: Uint8Array
  x25519PublicKey: Hex
}

interface KeyFile {
  version: 1
  operatorPrivateKey: string
  peerPrivateKey: string
  x25519SecretKey: string
}

export function keyFilePath (dataDir: string): string {
  return join(dataDir, 'keys', 'node-keys.json')
}

export async function loadOrCreateNodeKeys (dataDir: string): Promise<NodeKeys> {
  const path = keyFilePath(dataDir)
  let file: KeyFile
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as KeyFile
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const peerKey = await generateKeyPair('Ed25519')
    file = {
      version: 1,
      operatorPrivateKey: Wallet.createRandom().privateKey,
      peerPrivateKey: Buffer.from(privateKeyToProtobuf(peerKey)).toString('base64'),
      x25519SecretKey: bytesToHex(randomBytes(32))
    }
    await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 })
    await writeFile(path, JSON.stringify(file, null, 2), { mode: 0o600, flag: 'wx' })
  }
  const x25519SecretKey = hexToBytes(file.x25519SecretKey)
  return {
    operator: new Wallet(file.operatorPrivateKey),
    peerKey: privateKeyFromProtobuf(Buffer.from(file.peerPrivateKey, 'base64')),
    x25519SecretKey,
    x25519PublicKey: `0x${bytesToHex(x25519.getPublicKey(x25519SecretKey))}`
  }
}
