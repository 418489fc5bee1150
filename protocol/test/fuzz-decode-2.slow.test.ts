// decodeMessage fuzzed on the second half of the topics (fuzz-inputs.ts says why the topics are split over two files).
import tap from 'tap'
import { fuzzDecode, TOPIC_NAMES } from './fuzz-inputs.ts'

tap.test('decodeMessage, the second half of the topics: only GossipValidationError, and what decodes is canonical', async (t) => {
  await fuzzDecode(t, TOPIC_NAMES.slice(Math.ceil(TOPIC_NAMES.length / 2)))
})
