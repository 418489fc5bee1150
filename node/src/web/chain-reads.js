/**
 * The chain reads the page verifies against, made from the browser with JSON-RPC eth_call to the
 * RPC the user pinned (never through the node's API): members and each member's engines at a
 * block from SupernodeRegistry, quorumFaultDivisor and clockSkewMs from NetworkParameters, by the
 * rules of light-client/registry-view.ts and clock-skew.ts. A block's state is kept once read.
 * The age limit of a job's block (SPEC section 12) is read at the head each time, by the rule of
 * light-client/chain-reader.ts ageLimit. An epoch's anchor comes from ReportAnchors (deployment.anchors),
 * by the rule of light-client/chain-reader.ts epochAnchor, kept once posted (the first root stands).
 */
import { bytesToHex, concat, hexToBytes, word } from '../../../protocol/src/eip712-hash.js'
import { ageLimitBlock, maxJobAgeBlocksFrom } from '../../../protocol/src/job-age.js'

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })
const DEFAULT_FAULT_DIVISOR = 3
const DEFAULT_CLOCK_SKEW_MS = 1000
const MAX_BOUND_MS = 86_400_000n
/** block states already read, by deployment and block */
const states = new Map()
/** each anchors contract's epochBlocks, and the anchors posted there, which never change */
const epochBlocksOf = new Map()
const posted = new Map()

/** The chain did not answer, or not as a SupernodeRegistry/NetworkParameters would. */
export class ChainReadError extends Error {
  constructor (code, message) { super(message); this.code = code }
}

const uint = (bytes, at) => BigInt(bytesToHex(bytes.slice(at, at + 32)))
const offset = (bytes, at) => Number(uint(bytes, at))

function decodeAddresses (bytes) {
  const start = offset(bytes, 0)
  const n = offset(bytes, start)
  return Array.from({ length: n }, (_, i) => bytesToHex(bytes.slice(start + 32 + i * 32 + 12, start + 64 + i * 32)))
}

function decodeStrings (bytes) {
  const start = offset(bytes, 0)
  const n = offset(bytes, start)
  const base = start + 32
  return Array.from({ length: n }, (_, i) => {
    const at = base + offset(bytes, base + i * 32)
    return dec.decode(bytes.slice(at + 32, at + 32 + offset(bytes, at)))
  })
}

/** an address as an ABI word */
const address = (a) => concat([new Uint8Array(12), hexToBytes(a)])

/** bytes32 of a short name, as ethers encodeBytes32String */
const nameKey = (name) => concat([enc.encode(name), new Uint8Array(32 - name.length)])

/** The divisor a NetworkParameters value stands for (protocol faultDivisorFrom). */
function faultDivisorFrom (value) {
  if (value === undefined) return DEFAULT_FAULT_DIVISOR
  const n = value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : 0
  return n >= 2 ? n : DEFAULT_FAULT_DIVISOR
}

/** The clock skew a NetworkParameters value stands for (protocol jobBoundsFrom). */
function clockSkewFrom (value) {
  return value !== undefined && value > 0n && value <= MAX_BOUND_MS ? Number(value) : DEFAULT_CLOCK_SKEW_MS
}

/** JSON-RPC to the pinned RPC: `rpcResult` answers any shape, `rpc` a string; an error or no result throws ChainReadError. */
export function createJsonRpc (rpcUrl) {
  let id = 0

  /** a JSON-RPC result of any shape (an error or no result throws) */
  async function rpcResult (method, params) {
    let body
    try {
      const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) })
      body = await res.json()
    } catch (err) {
      throw new ChainReadError('RPC_UNREACHABLE', `cannot reach your RPC ${rpcUrl}: ${err?.message ?? err}`)
    }
    if (body?.error !== undefined) throw new ChainReadError('CALL_FAILED', `${method}: ${String(body.error.message ?? 'error').slice(0, 200)}`)
    if (body === null || typeof body !== 'object' || !('result' in body)) throw new ChainReadError('CALL_FAILED', `${method}: no result`)
    return body.result
  }

  async function rpc (method, params) {
    const result = await rpcResult(method, params)
    if (typeof result !== 'string') throw new ChainReadError('CALL_FAILED', `${method}: no result`)
    return result
  }
  return { rpcResult, rpc }
}

/**
 * Reads for one deployment: { rpcUrl, registry, parameters? }; `keccak` (keccak_256) makes the
 * function selectors.
 */
export function createChainReads (deployment, keccak) {
  const { rpcUrl, registry, parameters } = deployment
  const anchorsAt = deployment.anchors ?? ''
  const selector = (signature) => keccak(enc.encode(signature)).slice(0, 4)
  const { rpcResult, rpc } = createJsonRpc(rpcUrl)

  /** a mined block's timestamp (seconds); undefined when the chain has no such block */
  async function blockTimestamp (block) {
    const header = await rpcResult('eth_getBlockByNumber', [`0x${block.toString(16)}`, false])
    if (header === null) return undefined
    if (typeof header?.timestamp !== 'string' || !/^0x[0-9a-f]{1,14}$/i.test(header.timestamp)) throw new ChainReadError('CALL_FAILED', 'eth_getBlockByNumber: no timestamp')
    return Number(BigInt(header.timestamp))
  }

  const call = async (to, signature, args) => hexToBytes(await rpc('eth_call', [{ to, data: bytesToHex(concat([selector(signature), ...args])) }, 'latest']))

  /** a parameter at a block: getAt for a past block, get at the head (a never-set key reverts: undefined) */
  async function parameterAt (name, block, head) {
    if (parameters === undefined || parameters === '') return undefined
    if (block < head) return uint(await call(parameters, 'getAt(bytes32,uint256)', [nameKey(name), word(BigInt(block))]), 0)
    try {
      return uint(await call(parameters, 'get(bytes32)', [nameKey(name)]), 0)
    } catch (err) {
      if (err.code === 'CALL_FAILED') return undefined
      throw err
    }
  }

  async function read (block) {
    const head = Number(BigInt(await rpc('eth_blockNumber', [])))
    if (block > head) return undefined
    const members = decodeAddresses(await call(registry, 'membersAt(uint256)', [word(BigInt(block))])).map((m) => m.toLowerCase()).toSorted()
    const [engines, rules] = await Promise.all([
      Promise.all(members.map(async (m) => decodeStrings(await call(registry, 'enginesAt(address,uint256)', [address(m), word(BigInt(block))])))),
      reads.parametersAt(block, head)
    ])
    const holders = new Map()
    members.forEach((m, i) => { for (const e of engines[i]) holders.set(e, [...(holders.get(e) ?? []), m]) })
    const registrations = Object.fromEntries([...holders.keys()].toSorted().map((e) => [e, holders.get(e)]))
    return { members, registrations, ...rules }
  }

  const reads = {
    chainId: async () => Number(BigInt(await rpc('eth_chainId', []))),
    /** the quorum rule and clock skew at `block` given the head, each by its protocol rule */
    async parametersAt (block, head) {
      const [divisor, skew] = await Promise.all([parameterAt('quorumFaultDivisor', block, head), parameterAt('clockSkewMs', block, head)])
      return { faultDivisor: faultDivisorFrom(divisor), clockSkewMs: clockSkewFrom(skew) }
    },
    /**
     * How old a job at `block` may be, under the rule in force at the head: { maxJobAgeBlocks,
     * limitBlock, limitTimestamp } (seconds; absent while the limit block is not mined).
     */
    async ageLimit (block) {
      const head = Number(BigInt(await rpc('eth_blockNumber', [])))
      const maxJobAgeBlocks = maxJobAgeBlocksFrom(await parameterAt('maxJobAgeBlocks', head, head))
      const limitBlock = ageLimitBlock(block, maxJobAgeBlocks)
      const limitTimestamp = limitBlock <= head ? await blockTimestamp(limitBlock) : undefined
      return limitTimestamp === undefined ? { maxJobAgeBlocks, limitBlock } : { maxJobAgeBlocks, limitBlock, limitTimestamp }
    },
    /**
     * What ReportAnchors says of `epoch`: { epochBlocks, anchor?: { root, leafCount, anchoredAt, maxJobAgeBlocks } },
     * maxJobAgeBlocks in force at the epoch's first block; undefined for a deployment without ReportAnchors.
     */
    async epochAnchor (epoch) {
      if (anchorsAt === '') return undefined
      const key = `${rpcUrl}|${anchorsAt}|${parameters ?? ''}`
      if (!epochBlocksOf.has(key)) epochBlocksOf.set(key, Number(uint(await call(anchorsAt, 'epochBlocks()', []), 0)))
      const epochBlocks = epochBlocksOf.get(key)
      if (posted.has(`${key}|${epoch}`)) return { epochBlocks, anchor: posted.get(`${key}|${epoch}`) }
      const answer = await call(anchorsAt, 'anchorOf(uint64)', [word(BigInt(epoch))])
      const anchoredAt = Number(uint(answer, 64))
      if (anchoredAt === 0) return { epochBlocks }
      const head = Number(BigInt(await rpc('eth_blockNumber', [])))
      const maxJobAgeBlocks = maxJobAgeBlocksFrom(await parameterAt('maxJobAgeBlocks', epoch * epochBlocks, head))
      const anchor = { root: bytesToHex(answer.slice(0, 32)), leafCount: Number(uint(answer, 32)), anchoredAt, maxJobAgeBlocks }
      posted.set(`${key}|${epoch}`, anchor)
      return { epochBlocks, anchor }
    },
    /** the chain's { members, registrations, faultDivisor, clockSkewMs } at `block`; undefined past the head */
    async blockState (block) {
      const key = `${rpcUrl}|${registry}|${parameters ?? ''}|${block}`
      if (!states.has(key)) {
        const state = await read(block)
        if (state === undefined) return undefined
        states.set(key, state)
      }
      return states.get(key)
    }
  }
  return reads
}
