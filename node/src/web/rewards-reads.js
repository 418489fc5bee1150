/**
 * A wallet's VMT rewards in the page (SPEC 17): what it can claim now and what is still pending. The
 * claimable amount is proven: the node's (account, cumulative) leaf and proof for the epoch of the root
 * RewardsDistributor holds as settled, checked against that root read from the RPC the user pinned, minus
 * what the chain says the wallet was paid. Pending is the node's word: its newest computed cumulative
 * minus the settled one (not posted, or still in its challenge period). Plain JS, keccak passed in.
 */
// relative imports: the same module loads in the page (/web/) and in Node's tests
import { abiDecode, abiEncode } from './abi-codec.js'
import { rootOf } from './anchor-proof.js'
import { ChainReadError, createJsonRpc } from './chain-reads.js'
import { bytesToHex, concat } from '../../../protocol/src/eip712-hash.js'

const enc = new TextEncoder()
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const BYTES32 = /^0x[0-9a-f]{64}$/
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/
const MAX_UINT256 = (1n << 256n) - 1n
const ZERO_ROOT = `0x${'00'.repeat(32)}`
/** the deepest proof of a tree of 2^64 leaves */
const MAX_PROOF = 64

const bad = (why) => new ChainReadError('BAD_ANSWER', `the node's rewards answer ${why}`)

/** The node's answer for an account in an epoch (GET /api/virusmap/rewards/{epoch}/{account}), held to its shape; throws ChainReadError BAD_ANSWER. */
export function parseAccountAnswer (data, account, epoch) {
  const a = data !== null && typeof data === 'object' && !Array.isArray(data) ? data.attributes : undefined
  if (a === null || typeof a !== 'object' || Array.isArray(a)) throw bad('has no attributes')
  if (!Number.isSafeInteger(a.epoch) || a.epoch < 0 || (epoch !== undefined && a.epoch !== epoch)) throw bad('is of another epoch')
  if (a.account !== account) throw bad('is of another account')
  if (typeof a.cumulative !== 'string' || !DECIMAL.test(a.cumulative) || BigInt(a.cumulative) > MAX_UINT256) throw bad('has a malformed cumulative amount')
  if (!Array.isArray(a.proof) || a.proof.length > MAX_PROOF || !a.proof.every((p) => typeof p === 'string' && BYTES32.test(p))) throw bad('has a malformed proof')
  return { epoch: a.epoch, cumulative: BigInt(a.cumulative), proof: [...a.proof] }
}

/** keccak256(keccak256(abi.encode(account, cumulative))): the StandardMerkleTree leaf RewardsDistributor.claim checks */
export function rewardsLeaf (account, cumulative, keccak) {
  return keccak(keccak(abiEncode(['address', 'uint256'], [account, cumulative])))
}

/** RewardsDistributor.claim(account, cumulative, proof) calldata, from the contract's ABI (abi-codec.js createAbi), for walletRewards' proven `claim`. */
export function claimCalldata (abi, claim) {
  if (claim === null || typeof claim !== 'object' || !ADDRESS.test(claim.account ?? '')) throw new ChainReadError('BAD_INPUT', 'nothing proven to claim')
  return abi.encode('claim', [claim.account, claim.cumulative, claim.proof])
}

/**
 * Reads of one RewardsDistributor ({ rpcUrl, rewards }) and one node's API (`fetchData(path)`: the answer's
 * `data`, or undefined on 404).
 */
export function createRewardsReads ({ rpcUrl, rewards }, fetchData, keccak) {
  if (typeof rewards !== 'string' || !ADDRESS.test(rewards)) throw new ChainReadError('BAD_INPUT', 'the RewardsDistributor must be an address (0x and 40 hex digits)')
  const at = rewards.toLowerCase()
  const { rpc } = createJsonRpc(rpcUrl)
  const selector = (sig) => keccak(enc.encode(sig)).slice(0, 4)
  async function call (sig, types, args, outputs) {
    const answer = await rpc('eth_call', [{ to: at, data: bytesToHex(concat([selector(sig), abiEncode(types, args)])) }, 'latest'])
    try {
      return abiDecode(outputs, answer)
    } catch {
      throw new ChainReadError('CALL_FAILED', `${sig} at ${at}: not a RewardsDistributor's answer`)
    }
  }

  return {
    /**
     * `account`'s rewards: { settledEpoch?, latestEpoch?, claimed, claimable, pending, check, proven, claim? }.
     * check: 'proven' (the node's leaf for the settled epoch is under the chain's root), 'mismatch' (it is
     * not: claimable 0), 'no-leaf' (the node has no amount for the account in that epoch), 'no-root' (nothing
     * settled on chain yet). claimable = the proven cumulative minus what was paid; `claim` { account,
     * cumulative, proof } is what RewardsDistributor.claim takes for it (only when claimable > 0).
     * pending = the node's cumulative in its newest epoch after the settled one, minus the larger of the
     * proven one and what was paid.
     */
    async walletRewards (account) {
      if (typeof account !== 'string' || !ADDRESS.test(account)) throw new ChainReadError('BAD_INPUT', 'the wallet must be an address (0x and 40 hex digits)')
      const who = account.toLowerCase()
      const [[settledEpoch, settledRoot], [claimed]] = await Promise.all([
        call('settledRoot()', [], [], ['uint64', 'bytes32', 'uint256']),
        call('claimed(address)', ['address'], [who], ['uint256'])
      ])
      const latestData = await fetchData(`/api/virusmap/rewards/latest/${who}`)
      const latest = latestData === undefined ? undefined : parseAccountAnswer(latestData, who)
      let check = 'no-root'
      let leaf
      if (settledRoot !== ZERO_ROOT) {
        const data = await fetchData(`/api/virusmap/rewards/${settledEpoch}/${who}`)
        leaf = data === undefined ? undefined : parseAccountAnswer(data, who, Number(settledEpoch))
        check = leaf === undefined || leaf.cumulative === 0n
          ? 'no-leaf'
          : rootOf(rewardsLeaf(who, leaf.cumulative, keccak), leaf.proof, keccak) === settledRoot ? 'proven' : 'mismatch'
      }
      const settled = check === 'proven' ? leaf.cumulative : 0n
      const claimable = settled > claimed ? settled - claimed : 0n
      const base = settled > claimed ? settled : claimed
      // an epoch at or before the settled one is not pending, whatever the node says of it
      const newest = latest !== undefined && (settledRoot === ZERO_ROOT || latest.epoch > Number(settledEpoch)) ? latest.cumulative : 0n
      return {
        settledEpoch: settledRoot === ZERO_ROOT ? undefined : Number(settledEpoch),
        latestEpoch: latest?.epoch,
        claimed,
        claimable,
        pending: newest > base ? newest - base : 0n,
        check,
        proven: check === 'proven',
        ...(claimable > 0n ? { claim: { account: who, cumulative: settled, proof: leaf.proof } } : {})
      }
    }
  }
}
