/**
 * Which engines each devnet member runs. Members are different vendors with different engines
 * (DESIGN: protocol v2), so by default no member holds every file engine, yet each file engine is
 * held by at least two members; every member keeps the indicator engines, so indicator jobs are
 * judged by all of them.
 */

/** what a devnet node has for indicators (an empty operator feed gives it the addresses engine) */
export const DEVNET_INDICATOR_ENGINES = ['VirusMap-Lists', 'VirusMap-Lookalike', 'VirusMap-URL-Heuristics', 'VirusMap-Addresses', 'VirusMap-Reputation'] as const
/**
 * file engines every member holds, outside the spread: the `tlsh` digest is attested only when a
 * quorum of its holders agree, and the rewards' near-duplicate rule reads it on every report
 */
export const DEVNET_EVERY_MEMBER_FILE_ENGINES = ['tlsh'] as const
/** what a devnet node has for files without clamd */
export const DEVNET_FILE_ENGINES = ['YARA', 'VirusMap-Heuristics', 'VirusMap-HashList', 'VirusMap-Archive'] as const

/**
 * The devnet's file engines: ClamAV too where clamd is installed, second in line, so with four
 * members the one that leaves out YARA holds ClamAV and the next leaves out ClamAV and holds YARA
 * (a sample both detect is then detected by each on a member the other is missing from).
 */
export function devnetFileEngines (options: { clamav: boolean }): string[] {
  const [first, ...rest] = DEVNET_FILE_ENGINES
  return options.clamav ? [first, 'ClamAV', ...rest] : [...DEVNET_FILE_ENGINES]
}

/**
 * Engine ids per member: with four or more members (and two or more file engines), member i
 * leaves out file engine i mod F, so each file engine is left out by at most ceil(n / F) of n
 * members and held by at least two; with fewer members everyone runs everything, since leaving
 * one out would leave an engine with a single voice.
 */
export function devnetEngineSets (nodes: number, fileEngines: readonly string[] = DEVNET_FILE_ENGINES): string[][] {
  const spread = nodes >= 4 && fileEngines.length >= 2
  return Array.from({ length: nodes }, (_member, i) => [
    ...fileEngines.filter((_engine, j) => !spread || j !== i % fileEngines.length),
    ...DEVNET_EVERY_MEMBER_FILE_ENGINES,
    ...DEVNET_INDICATOR_ENGINES
  ])
}
