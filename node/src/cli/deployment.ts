import { readFile } from 'node:fs/promises'
import type { Hex } from '#protocol/messages.ts'
import { UsageError } from './usage-error.ts'

/** What a client needs of a deployment file (devnet.json is a superset that adds `nodes`). */
export interface ClientDeployment {
  chainId: number
  rpcUrl: string
  registry: Hex
  /** NetworkParameters (the quorum rule light clients check), when the deployment has one */
  parameters?: Hex
  /** ReportAnchors (the epoch roots anchored reports are proven against), when the deployment has one */
  anchors?: Hex
  /** API URLs of the nodes, when the file lists them (devnet.json) */
  apis: string[]
  /** an x-apikey, when the file carries one (devnet.json) */
  apiKey?: string
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isHttpUrl (value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

export function parseDeployment (text: string, file: string): ClientDeployment {
  const bad = (why: string): UsageError => new UsageError(`bad deployment file ${file}: ${why}`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw bad('not JSON')
  }
  if (!isObject(json)) throw bad('not a JSON object')
  if (!Number.isSafeInteger(json.chainId) || (json.chainId as number) <= 0) throw bad('chainId must be a positive integer')
  if (!isHttpUrl(json.rpcUrl)) throw bad('rpcUrl must be an http(s) URL')
  const registry = isObject(json.contracts) ? json.contracts.registry : undefined
  if (typeof registry !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(registry)) throw bad('contracts.registry must be an address')
  const apis: string[] = []
  if (json.nodes !== undefined) {
    if (!Array.isArray(json.nodes)) throw bad('nodes must be an array')
    for (const node of json.nodes) {
      if (!isObject(node) || !isHttpUrl(node.api)) throw bad('every node needs an http(s) api URL')
      apis.push(node.api)
    }
  }
  const parameters = isObject(json.contracts) ? json.contracts.parameters : undefined
  if (parameters !== undefined && (typeof parameters !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(parameters))) throw bad('contracts.parameters must be an address')
  const anchors = isObject(json.contracts) ? json.contracts.anchors : undefined
  if (anchors !== undefined && (typeof anchors !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(anchors))) throw bad('contracts.anchors must be an address')
  if (json.apiKey !== undefined && (typeof json.apiKey !== 'string' || !/^[0-9a-f]{64}$/.test(json.apiKey))) throw bad('apiKey must be 64 lowercase hex digits')
  return {
    chainId: json.chainId as number,
    rpcUrl: json.rpcUrl,
    registry: registry.toLowerCase() as Hex,
    ...(typeof parameters === 'string' ? { parameters: parameters.toLowerCase() as Hex } : {}),
    ...(typeof anchors === 'string' ? { anchors: anchors.toLowerCase() as Hex } : {}),
    apis,
    ...(typeof json.apiKey === 'string' ? { apiKey: json.apiKey } : {})
  }
}

export async function loadDeployment (file: string): Promise<ClientDeployment> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read deployment file ${file}: ${(err as { code?: string }).code ?? (err as Error).message}`)
  }
  return parseDeployment(text, file)
}
