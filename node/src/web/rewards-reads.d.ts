/** Types of rewards-reads.js, the page's proven reads of a wallet's VMT rewards. */
import type { Abi } from './abi-codec.js'
export interface AccountAnswer { epoch: number, cumulative: bigint, proof: string[] }
/** what RewardsDistributor.claim takes for a proven leaf */
export interface ProvenClaim { account: string, cumulative: bigint, proof: string[] }
export interface WalletRewards {
  settledEpoch: number | undefined
  latestEpoch: number | undefined
  claimed: bigint
  claimable: bigint
  pending: bigint
  check: 'proven' | 'mismatch' | 'no-leaf' | 'no-root'
  proven: boolean
  claim?: ProvenClaim
}
export function parseAccountAnswer (data: unknown, account: string, epoch?: number): AccountAnswer
export function rewardsLeaf (account: string, cumulative: bigint, keccak: (bytes: Uint8Array) => Uint8Array): Uint8Array
export function claimCalldata (abi: Abi, claim: ProvenClaim | undefined): string
export interface RewardsReads {
  walletRewards(account: string): Promise<WalletRewards>
}
export function createRewardsReads (opts: { rpcUrl: string, rewards: string | undefined }, fetchData: (path: string) => Promise<unknown>, keccak: (bytes: Uint8Array) => Uint8Array): RewardsReads
