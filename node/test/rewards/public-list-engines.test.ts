// The rewards' "a public list already knew it" rule names engines by their report names. The defaults named
// engines no node runs ('hash-list', 'eth-phishing-detect'), so the rule never applied on a real network;
// this holds the protocol's defaults to the node's list engines.
import tap from 'tap'
import { DEFAULT_REWARD_PARAMS } from '#protocol/rewards/index.ts'
import { HASH_LIST_ENGINE_NAME } from '../../src/scan/hash-list-engine.ts'
import { LISTS_ENGINE_NAME } from '../../src/intel/lists/lists-engine.ts'

tap.test('publicListEngines are the node\'s hash-list and lists engines', async (t) => {
  t.same([...DEFAULT_REWARD_PARAMS.publicListEngines].toSorted(), [HASH_LIST_ENGINE_NAME, LISTS_ENGINE_NAME].toSorted())
})
