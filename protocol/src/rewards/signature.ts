/**
 * A member's gossiped signature over an epoch's RewardsRoot (SPEC section 17), and its checks: a strict
 * parse of the untrusted JSON, then the pure judgement a node's gossip handler applies (reject: provably
 * bad; ignore: not yet, or no longer, of use). Whether the root is the one this node computed is for the
 * rewards service: a member signs only its own tree.
 */
import { GossipValidationError } from '../errors.ts'
import type { ValidationAction, ValidationCode } from '../errors.ts'
import type { Hex, RewardsSignature } from '../messages.ts'
import { recoverRewardsRootSigner } from './root.ts'
import type { RewardsRoot } from './root.ts'

/** What a rewards signature is judged against: the chain as this node follows it and RewardsDistributor. */
export interface RewardsSignatureContext {
  chainId: number
  registry: Hex
  /** the latest epoch whose rewards may be signed now (anchored and W epochs past), as this node sees it */
  latestPayable: number
  /** whether RewardsDistributor already holds a root for the epoch, as this node last read it */
  isPosted(epoch: number): boolean
  /** whether `member` was a member at the epoch's end block */
  isMemberAt(member: Hex, epoch: number): boolean
}

const KEYS = ['type', 'epoch', 'member', 'root', 'total', 'signature'] as const
const MAX_UINT256 = (1n << 256n) - 1n

/** The message, or GossipValidationError(reject, MALFORMED) naming the first bad field. */
export function parseRewardsSignature (value: unknown): RewardsSignature {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('reject', 'MALFORMED', 'not an object')
  const own = Object.keys(value)
  if (own.length !== KEYS.length || own.some((k) => !(KEYS as readonly string[]).includes(k))) fail('reject', 'MALFORMED', 'keys are not exactly ' + KEYS.join(', '))
  const o = value as Record<string, unknown>
  if (o.type !== 'rewards-signature') fail('reject', 'MALFORMED', 'type')
  if (typeof o.epoch !== 'number' || !Number.isSafeInteger(o.epoch) || o.epoch < 0) fail('reject', 'MALFORMED', 'epoch is not a non-negative safe integer')
  // a decimal uint256 without leading zeros: one spelling per amount
  if (typeof o.total !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(o.total) || BigInt(o.total) > MAX_UINT256) fail('reject', 'MALFORMED', 'total is not a decimal uint256')
  return { type: 'rewards-signature', epoch: o.epoch, member: hex(o.member, 20, 'member'), root: hex(o.root, 32, 'root'), total: o.total, signature: hex(o.signature, 65, 'signature') }
}

/** The signed RewardsRoot the message carries. */
export function rewardsRootOfSignature (msg: RewardsSignature): RewardsRoot {
  return { epoch: msg.epoch, root: msg.root, total: BigInt(msg.total) }
}

/** A parsed signature: for a payable, unposted epoch, by a member at its end block, recovering to that member. */
export function validateRewardsSignature (msg: RewardsSignature, ctx: RewardsSignatureContext): { epoch: number, member: Hex, root: RewardsRoot } {
  if (msg.epoch > ctx.latestPayable) fail('ignore', 'FUTURE_EPOCH', 'epoch not payable yet on this node\'s chain')
  if (ctx.isPosted(msg.epoch)) fail('ignore', 'ANCHORED', 'epoch\'s rewards root already posted')
  if (!ctx.isMemberAt(msg.member, msg.epoch)) fail('reject', 'NOT_MEMBER', 'signer not a member at the epoch\'s end block')
  const root = rewardsRootOfSignature(msg)
  let signer: Hex
  try {
    signer = recoverRewardsRootSigner(root, msg.signature, ctx.chainId, ctx.registry, msg.member)
  } catch (err) {
    throw new GossipValidationError('reject', 'BAD_SIGNATURE', 'signature does not recover', { cause: err })
  }
  if (signer !== msg.member) fail('reject', 'SIGNER_MISMATCH', 'signer is not the member')
  return { epoch: msg.epoch, member: msg.member, root }
}

function hex (value: unknown, bytes: number, path: string): Hex {
  if (typeof value !== 'string' || value.length !== 2 + 2 * bytes || !/^0x[0-9a-f]*$/.test(value)) fail('reject', 'MALFORMED', `${path} is not ${bytes} bytes of lowercase 0x hex`)
  return value as Hex
}

function fail (action: ValidationAction, code: ValidationCode, message: string): never {
  throw new GossipValidationError(action, code, message)
}
