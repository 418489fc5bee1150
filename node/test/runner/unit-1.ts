// Shard 1 of the unit test files (unit-runner.ts), one process of `npm run test:unit` and `npm test`.
import { runTestFiles, shardOf, UNIT_SHARDS, unitTestFiles } from './unit-runner.ts'

runTestFiles(shardOf(unitTestFiles(), 1, UNIT_SHARDS))
