// Engine identities on chain: the ids an operator's verdicts may carry, set by governance through
// SupernodeRegistry.setEngines. The rules mirror the contract's so a bad list is refused before a
// proposal is made, not at its execution days later.
import { GovernanceError } from './errors.ts'
import { registryInterface } from './gov.ts'
import type { Actions } from './gov.ts'

/** SupernodeRegistry.MAX_ENGINES */
export const MAX_ENGINES = 64
/** SupernodeRegistry._isEngineId: 1..64 bytes, the first alphanumeric */
export const ENGINE_ID = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,63}$/

/** Throws GovernanceError('BAD_INPUT') for a list the registry would refuse. */
export function checkEngineIds (ids: readonly string[]): void {
  if (ids.length > MAX_ENGINES) throw new GovernanceError('BAD_INPUT', `at most ${MAX_ENGINES} engines per operator, got ${ids.length}`)
  const seen = new Set<string>()
  for (const [i, id] of ids.entries()) {
    if (!ENGINE_ID.test(id)) throw new GovernanceError('BAD_INPUT', `engine id ${i} must be 1-64 of [A-Za-z0-9 ._+-], starting with a letter or digit, got "${id.slice(0, 80)}"`)
    if (seen.has(id)) throw new GovernanceError('BAD_INPUT', `engine id ${i} ("${id}") repeats an earlier one`)
    seen.add(id)
  }
}

/** "ClamAV,YARA" -> ['ClamAV', 'YARA'] (checked); "" is the empty list, which withdraws every engine. */
export function parseEngineList (text: string): string[] {
  const ids = text.trim() === '' ? [] : text.split(',').map((id) => id.trim())
  checkEngineIds(ids)
  return ids
}

/** One `setEngines(operator, ids)` call per operator, in the order given. */
export function setEnginesActions (registry: string, engines: ReadonlyArray<readonly [operator: string, ids: readonly string[]]>): Actions {
  for (const [, ids] of engines) checkEngineIds(ids)
  return {
    targets: engines.map(() => registry),
    values: engines.map(() => 0n),
    calldatas: engines.map(([operator, ids]) => registryInterface.encodeFunctionData('setEngines', [operator, ids]))
  }
}
