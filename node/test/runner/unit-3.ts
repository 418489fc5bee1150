// Shard 3 of the unit test files (unit-runner.ts), one process of `npm run test:unit` and `npm test`.
import { runTestFiles, UNIT_SHARDS, unitTestFiles } from './unit-runner.ts'
import { shardOf } from './unit-shards.ts'

runTestFiles(shardOf(unitTestFiles(), 3, UNIT_SHARDS))
