/**
 * The ABIs the node serves the page hold every function the page calls on them: each call the
 * page's modules make on an ABI object (read(abi, to, 'name'), abi.encode('name'), abi.decode('name'))
 * resolves to exactly one function of what /web/abi/ serves. Of SupernodeRegistry only what the
 * page uses is served (owner() and the errors its revert messages name), nothing else.
 */
import { readdir, readFile } from 'node:fs/promises'
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { Interface } from 'ethers'
import { registryArtifact } from '#governance/artifacts.ts'
import { WEB_DIR_PATH } from '../../src/api/routes/web.ts'
import { createAbi } from '../../src/web/abi-codec.js'
import { createMemoryNode } from '../fixtures/memory-ports.ts'
import { startApi } from '../fixtures/api-server.ts'

interface Fragment { type: string, name?: string, inputs?: unknown[] }

// the page's modules as text, comments left out (they name functions too)
const modules = new Map<string, string>()
for (const file of (await readdir(WEB_DIR_PATH)).filter((f) => f.endsWith('.js'))) {
  const text = await readFile(`${WEB_DIR_PATH}/${file}`, 'utf8')
  modules.set(file, text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''))
}
const source = (file: string): string => modules.get(file) ?? ''

/** ABI object name in the page's code -> the artifact it is made from, as the page itself wires them */
function abiObjects (): Map<string, string> {
  const names = new Map<string, string>()
  const abiNames = /const ABI_NAMES = \{([^}]*)\}/.exec(source('wallet-card.js'))?.[1] ?? ''
  const byKey = new Map([...abiNames.matchAll(/(\w+): '(\w+)'/g)].map((m) => [m[1], m[2]]))
  for (const [, variable, key] of source('gov-actions.js').matchAll(/const (\w+) = createAbi\(abis\.(\w+)/g)) names.set(variable as string, byKey.get(key as string) as string)
  // rewards-card.js fetches one ABI and hands it to rewards-reads.js, which calls it `abi`
  const rewards = /fetch\('\/web\/abi\/(\w+)\.json'\)/.exec(source('rewards-card.js'))?.[1]
  if (rewards !== undefined) names.set('abi', rewards)
  return names
}

/** every call by a literal function name on one of the page's ABI objects: [module, object, function] */
function literalCalls (objects: Map<string, string>): Array<[string, string, string]> {
  const calls: Array<[string, string, string]> = []
  for (const [file, text] of modules) {
    for (const m of text.matchAll(/\bread\((\w+), [^,()]+, '(\w+)'/g)) calls.push([file, m[1] as string, m[2] as string])
    for (const m of text.matchAll(/\b(\w+)\.(?:encode|decode)\('(\w+)'/g)) if (objects.has(m[1] as string)) calls.push([file, m[1] as string, m[2] as string])
  }
  return calls
}

const server = await startApi(tap, createMemoryNode().ports)
const served = async (name: string): Promise<Fragment[]> => {
  const res = await fetch(`${server.url}/web/abi/${name}.json`)
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`)
  return await res.json() as Fragment[]
}

tap.test('every function the page calls on an ABI resolves in the ABI the node serves it', async (t) => {
  const objects = abiObjects()
  t.same(Object.fromEntries(objects), { governor: 'VirusMapGovernor', vmt: 'VMT', registry: 'SupernodeRegistry', abi: 'RewardsDistributor' }, 'the page\'s ABI objects, read from its own wiring')
  const calls = literalCalls(objects)
  // the scan finds what the page is known to call, so an empty match cannot pass
  for (const known of ['governor.timelock', 'governor.castVoteWithReason', 'vmt.delegate', 'registry.owner', 'abi.claim']) t.ok(calls.some(([, o, f]) => `${o}.${f}` === known), `found ${known}`)
  for (const [file, object, fn] of calls) {
    const artifact = objects.get(object)
    t.ok(artifact, `${file}: ${object} is one of the page's ABI objects`)
    const abi = await served(artifact as string)
    t.equal(abi.filter((f) => f.type === 'function' && f.name === fn).length, 1, `${file}: ${artifact}.${fn} is served, once`)
    t.doesNotThrow(() => createAbi(abi, keccak_256).decode(fn, `0x${'00'.repeat(32 * 4)}`), `${file}: abi-codec finds ${artifact}.${fn}`)
  }
  // lifecycle(fn) sends queue or execute: the one call by a name held in a variable
  const governor = await served('VirusMapGovernor')
  for (const fn of ['queue', 'execute']) t.ok(governor.some((f) => f.type === 'function' && f.name === fn), `VirusMapGovernor.${fn}`)
})

tap.test('of SupernodeRegistry the page gets the functions it calls and the errors, nothing else', async (t) => {
  const abi = await served('SupernodeRegistry')
  const called = [...new Set(literalCalls(abiObjects()).filter(([, o]) => o === 'registry').map(([, , f]) => f))].toSorted()
  t.same(abi.filter((f) => f.type === 'function').map((f) => f.name).toSorted(), called, `functions: ${called.join(', ')}`)
  t.same(abi.filter((f) => f.type !== 'function' && f.type !== 'error'), [], 'no events, constructor or others')
  const errors = (registryArtifact.abi as Fragment[]).filter((f) => f.type === 'error')
  t.same(abi.filter((f) => f.type === 'error'), errors, `all ${errors.length} errors of the artifact`)
  t.ok(abi.length < (registryArtifact.abi as unknown[]).length / 2, `${abi.length} of the artifact's ${registryArtifact.abi.length} fragments`)
  // a proposal's execute that reverts in the registry is named, as the page explains a revert
  const revert = new Interface(registryArtifact.abi).encodeErrorResult('SupernodeRegistryNotCandidate', [`0x${'0a'.repeat(20)}`])
  t.equal(createAbi(abi, keccak_256).decodeError(revert), `SupernodeRegistryNotCandidate(0x${'0a'.repeat(20)})`)
  t.throws(() => createAbi(abi, keccak_256).encode('admit', [`0x${'0a'.repeat(20)}`]), { name: 'AbiError', code: 'UNKNOWN_FUNCTION' }, 'admit is proposed from the CLI, not the page')
})
