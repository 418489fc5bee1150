import { GossipValidationError } from './errors.ts'
import { senderOf } from './job-messages.ts'
import { MAX_BUNDLE_MESSAGES, MAX_MESSAGE_BYTES } from './messages.ts'
import { recoverAttestationSigner, recoverCommitmentSigner, recoverComplaintSigner, recoverVerdictSigner } from './signing.ts'
import type { Hex, JobMessage, MemberBundle } from './messages.ts'

function signerOf (msg: JobMessage, chainId: number, registry: Hex): Hex {
  switch (msg.type) {
    case 'commitment': return recoverCommitmentSigner(msg, chainId, registry)
    case 'verdict': return recoverVerdictSigner(msg, chainId, registry)
    case 'attestation': return recoverAttestationSigner(msg, chainId, registry)
    case 'complaint': return recoverComplaintSigner(msg, chainId, registry)
  }
}

/**
 * One message's outcome inside a bundle (SPEC 6, v2.2): `err` is what its own topic's validation threw, or
 * undefined when it accepted. A message its topic ignores (many are ignored before their signature is
 * checked: stale, unknown job, duplicate) is still held to its signature here, since the bundle it rides in
 * goes on when another message in it is new: a bundle a node forwards carries only what its member signed,
 * so no one can slip a forged message into a member's bundle for the next node to blame on the relay.
 * Throws what is not a GossipValidationError (a bug of the caller's).
 */
export function bundledOutcome (msg: JobMessage, err: unknown, chainId: number, registry: Hex): GossipValidationError | undefined {
  if (err === undefined) return undefined
  if (!(err instanceof GossipValidationError)) throw err
  if (err.action === 'reject') return err
  let signer: Hex
  try {
    signer = signerOf(msg, chainId, registry)
  } catch (cause) {
    return new GossipValidationError('reject', 'BAD_SIGNATURE', 'a bundled message\'s signature does not recover', { cause })
  }
  return signer === senderOf(msg) ? err : new GossipValidationError('reject', 'SIGNER_MISMATCH', 'a bundled message is not signed by its member')
}

/**
 * A bundle's gossip result from its messages' results, each `undefined` (accepted) or the
 * GossipValidationError its own topic's validation threw (SPEC 6, v2.2). Throws the first reject: an
 * honest member bundles only what it signed and an honest relay forwards only what it accepted, so a
 * rejected message convicts whoever sent the bundle. Otherwise the bundle is accepted, and forwarded, when
 * any message in it was; when none was (all duplicates, stale or not yet decidable), throws the first
 * ignore, so a bundle re-assembled from messages already seen travels no further than one hop.
 */
export function bundleResult (outcomes: ReadonlyArray<GossipValidationError | undefined>): void {
  const reject = outcomes.find((o) => o?.action === 'reject')
  if (reject !== undefined) throw reject
  if (outcomes.some((o) => o === undefined)) return
  throw outcomes[0] ?? new GossipValidationError('reject', 'MALFORMED', 'an empty bundle')
}

/** Encoded size of a bundle of `count` messages whose canonical encodings total `messageBytes`. */
function bundleBytes (count: number, messageBytes: number): number {
  // {"type":"bundle","member":"0x…40","messages":[…]}: 85 bytes of wrapping, a comma between messages
  return 85 + messageBytes + Math.max(0, count - 1)
}

/**
 * Cuts a member's outgoing job messages, in order, into bundles within MAX_BUNDLE_MESSAGES and the bundle
 * topic's size limit; `sizes` are the messages' canonical encoded lengths.
 */
export function packBundles (messages: readonly JobMessage[], sizes: readonly number[]): MemberBundle[] {
  const bundles: MemberBundle[] = []
  let current: JobMessage[] = []
  let bytes = 0
  messages.forEach((msg, i) => {
    const size = sizes[i] ?? 0
    const member = senderOf(msg)
    const fits = current.length < MAX_BUNDLE_MESSAGES && bundleBytes(current.length + 1, bytes + size) <= MAX_MESSAGE_BYTES.bundles &&
      (current[0] === undefined || senderOf(current[0]) === member)
    if (!fits && current.length > 0) {
      bundles.push({ type: 'bundle', member: senderOf(current[0] as JobMessage), messages: current })
      current = []
      bytes = 0
    }
    current.push(msg)
    bytes += size
  })
  if (current.length > 0) bundles.push({ type: 'bundle', member: senderOf(current[0] as JobMessage), messages: current })
  return bundles
}
