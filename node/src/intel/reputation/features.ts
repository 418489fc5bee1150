import { lexicalFeatures } from './lexical.ts'
import type { LexicalFeatures } from './lexical.ts'
import { networkFeatures } from './network-features.ts'
import type { NetworkEvidence, NetworkFeatures, NetworkParameters } from './network-features.ts'
import { NON_BENIGN_LABELS } from './threat-dictionary.ts'

export interface ReputationFeatures {
  host: string
  lexical: LexicalFeatures
  network: NetworkFeatures
}

export function extractFeatures (host: string, evidence?: NetworkEvidence, params?: NetworkParameters): ReputationFeatures {
  return { host, lexical: lexicalFeatures(host), network: networkFeatures(evidence, params) }
}

/**
 * The columns the models learn from: only features that are live in the offline evaluation.
 * Network features stay out of the models (unknown for every training row, so a model could not
 * learn their weight) and reach the verdict through the expert rules instead.
 */
export const MODEL_FEATURES = [
  'hostLength', 'labelLength', 'digitRatio', 'entropy', 'hyphens', 'subdomainDepth', 'abusedTld',
  'privateSuffix', 'punycode', 'nonAscii', 'brandImpersonation', 'brandExact', 'vowelRatio',
  'maxConsonantRun', 'isIp',
  ...NON_BENIGN_LABELS.map(l => `dict.${l}`)
] as const

/** rounded to 4 decimals so a model file written as JSON reads back to the same numbers */
export function modelVector (f: LexicalFeatures): number[] {
  return ([
    f.hostLength, f.labelLength, f.digitRatio, f.entropy, f.hyphens, f.subdomainDepth, f.abusedTld,
    f.privateSuffix, f.punycode, f.nonAscii, f.brandImpersonation, f.brandExact, f.vowelRatio,
    f.maxConsonantRun, f.isIp,
    ...NON_BENIGN_LABELS.map(l => f.dictionary[l])
  ]).map(v => Math.round(v * 1e4) / 1e4)
}
