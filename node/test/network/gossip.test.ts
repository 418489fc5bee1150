import { TopicValidatorResult } from '@libp2p/gossipsub'
import tap from 'tap'
import { GossipValidationError } from '#protocol/index.ts'
import { toValidatorResult } from '../../src/network/gossip.ts'

tap.test('reject and ignore map to gossipsub verdicts; our own bugs never penalise peers', async (t) => {
  t.equal(toValidatorResult(new GossipValidationError('reject', 'BAD_SIGNATURE', 'x')), TopicValidatorResult.Reject)
  t.equal(toValidatorResult(new GossipValidationError('ignore', 'DUPLICATE', 'x')), TopicValidatorResult.Ignore)
  t.equal(toValidatorResult(new TypeError('bug')), TopicValidatorResult.Ignore)
})
