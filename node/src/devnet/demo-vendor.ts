// The devnet's demo vendor (issue 17): a keystore a newcomer can buy with at once. Governance (the
// Governor, then the Timelock that owns the DataMarket) approves it and prices a sample, a hunt and an
// epoch feed, as on a real network; the deployer funds it with ETH for gas and VMT to spend. Kept across restarts.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Contract, Wallet, parseEther } from 'ethers'
import type { JsonRpcProvider, Signer } from 'ethers'
import type { AbortOptions } from '@libp2p/interface'
import { FEED_PRODUCT } from '#protocol/feed/product.ts'
import { HUNT_PRODUCT } from '#protocol/hunt/registration.ts'
import { SAMPLE_PRODUCT_ID, decryptKeystore, encryptKeystore, joinActions, priceActions, proposeAndExecute, vendorActions } from '#governance/index.ts'
import { marketArtifact, vmtArtifact } from '#governance/artifacts.ts'
import type { Hex } from '#protocol/messages.ts'
import { setBalance } from '#governance/anvil-time.ts'
import type { Deployment } from '../supernode/config.ts'

/** The demo keystore's passphrase: a devnet key guards nothing of value. */
export const DEMO_VENDOR_PASSPHRASE = 'devnet'
/** What governance prices a sample at on the devnet, and what the vendor is given to spend. */
export const DEMO_SAMPLE_PRICE = parseEther('10')
/** what the devnet's governance prices a hunt at (SPEC 19): one order pays a ruleset until its deadline */
export const DEMO_HUNT_PRICE = parseEther('5')
/** what the devnet's governance prices an epoch feed at (SPEC 18, feeds) */
export const DEMO_FEED_PRICE = parseEther('2')
const DEMO_VENDOR_VMT = parseEther('1000')
// a low scrypt cost: the key is a demo's, and every `virusmap buy` decrypts it
const DEMO_SCRYPT_N = 1024

export interface DemoVendor {
  address: Hex
  /** an encrypted JSON keystore, passphrase DEMO_VENDOR_PASSPHRASE */
  keystore: string
  passphrase: string
}

/** The demo wallet kept in `file` (passphrase DEMO_VENDOR_PASSPHRASE), created there at the first start. */
export async function loadOrCreateDemoWallet (file: string): Promise<Wallet> {
  const json = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
  if (json !== undefined) return await decryptKeystore(json, DEMO_VENDOR_PASSPHRASE)
  const wallet = Wallet.createRandom()
  await writeFile(file, await encryptKeystore(new Wallet(wallet.privateKey), DEMO_VENDOR_PASSPHRASE, { scryptN: DEMO_SCRYPT_N }), { mode: 0o600 })
  return new Wallet(wallet.privateKey)
}

/**
 * The demo vendor of the devnet in `dir`: created once, approved and the sample priced through a
 * proposal when either is missing (a reused chain keeps both), funded up to its VMT allowance.
 * Undefined for a deployment without a DataMarket. Runs while the devnet automines.
 */
export async function ensureDemoVendor (dir: string, deployment: Deployment, provider: JsonRpcProvider, deployer: Signer, options: AbortOptions = {}): Promise<DemoVendor | undefined> {
  const marketAddress = deployment.contracts.market
  if (marketAddress === undefined) return undefined
  const keystore = join(dir, 'vendor-keystore.json')
  const vendor = await loadOrCreateDemoWallet(keystore)
  const market = new Contract(marketAddress, marketArtifact.abi, provider)
  const approved = await market.getFunction('isVendor')(vendor.address) as boolean
  const price = await market.getFunction('priceOf')(SAMPLE_PRODUCT_ID) as bigint
  const huntPrice = await market.getFunction('priceOf')(HUNT_PRODUCT) as bigint
  const feedPrice = await market.getFunction('priceOf')(FEED_PRODUCT) as bigint
  if (!approved || price === 0n || huntPrice === 0n || feedPrice === 0n) {
    const actions = joinActions(...(approved ? [] : [vendorActions(marketAddress, [vendor.address], true)]), ...(price === 0n ? [priceActions(marketAddress, SAMPLE_PRODUCT_ID, DEMO_SAMPLE_PRICE)] : []),
      ...(huntPrice === 0n ? [priceActions(marketAddress, HUNT_PRODUCT, DEMO_HUNT_PRICE)] : []), ...(feedPrice === 0n ? [priceActions(marketAddress, FEED_PRODUCT, DEMO_FEED_PRICE)] : []))
    await proposeAndExecute({
      governor: deployment.contracts.governor,
      timelock: deployment.contracts.timelock,
      proposer: deployer,
      voters: [deployer],
      ...actions,
      description: `Approve the devnet's demo vendor ${vendor.address} and price a sample, a hunt and an epoch feed (block ${await provider.getBlockNumber()})`,
      provider
    }, options)
  }
  options.signal?.throwIfAborted()
  await setBalance(provider, vendor.address, parseEther('100'), options)
  const vmt = new Contract(deployment.contracts.vmt, vmtArtifact.abi, deployer)
  const held = await vmt.getFunction('balanceOf')(vendor.address) as bigint
  if (held < DEMO_VENDOR_VMT) {
    const receipt = await (await vmt.getFunction('transfer')(vendor.address, DEMO_VENDOR_VMT - held) as { wait: () => Promise<{ status: number | null } | null> }).wait()
    if (receipt?.status !== 1) throw new Error('funding the demo vendor failed')
  }
  return { address: vendor.address.toLowerCase() as Hex, keystore, passphrase: DEMO_VENDOR_PASSPHRASE }
}
