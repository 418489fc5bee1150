// Compiles contracts/src/**/*.sol with solc-js (wasm, no native toolchain needed) and writes
// contracts/artifacts/<Name>.json = { contractName, abi, bytecode } for the contracts we deploy, and
// { contractName, abi } for the interfaces readers depend on instead of an implementation.
// Runs at `npm install` (postinstall) and via `npm run build:contracts`.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const CONTRACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SRC_DIR = join(CONTRACTS_DIR, 'src')
const ARTIFACTS_DIR = join(CONTRACTS_DIR, 'artifacts')
/** Contracts that get an artifact (others, e.g. OZ internals, are only compiled as dependencies). */
const DEPLOYED = ['VMT', 'VirusMapGovernor', 'TimelockController', 'SupernodeRegistry', 'VestingWallet', 'NetworkParameters', 'EquivocationEvidence', 'ReportAnchors', 'RewardsDistributor', 'SubmissionDeposits', 'DataMarket'] as const
/** Interfaces that get an ABI-only artifact: the supernode reads the registry's events through ISupernodeRegistry. */
const INTERFACES = ['ISupernodeRegistry'] as const

const require = createRequire(import.meta.url)

interface SolcError {
  severity: 'error' | 'warning' | 'info'
  formattedMessage: string
  sourceLocation?: { file: string }
}
interface SolcContract { abi: unknown[]; evm: { bytecode: { object: string } } }
interface SolcOutput {
  errors?: SolcError[]
  contracts?: Record<string, Record<string, SolcContract>>
}

/** Resolves `@openzeppelin/...` (and any other package import) from node_modules. */
function findImport (path: string): { contents: string } | { error: string } {
  try {
    return { contents: readFileSync(require.resolve(path), 'utf8') }
  } catch (err) {
    return { error: `cannot resolve import ${path}: ${(err as Error).message}` }
  }
}

function main (): void {
  const started = performance.now()
  const sources: Record<string, { content: string }> = {}
  // src/registry/ holds SupernodeRegistry's parts: their relative imports resolve to these names
  for (const file of readdirSync(SRC_DIR, { encoding: 'utf8', recursive: true }).filter((f) => f.endsWith('.sol')).toSorted()) {
    sources[`src/${file}`] = { content: readFileSync(join(SRC_DIR, file), 'utf8') }
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      // Only what the artifacts need: asking for less keeps solc-js markedly faster.
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } }
    }
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as SolcOutput
  const problems = output.errors ?? []
  // Warnings inside OpenZeppelin are not ours to fix (newer solc deprecations); show only our own.
  const ours = problems.filter((e) => e.severity === 'warning' && e.sourceLocation?.file.startsWith('src/') !== false)
  for (const p of ours) process.stderr.write(p.formattedMessage)
  const errors = problems.filter((e) => e.severity === 'error')
  if (errors.length > 0) {
    for (const e of errors) process.stderr.write(e.formattedMessage)
    throw new Error(`solc ${solc.version()}: ${errors.length} compilation error(s)`)
  }

  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const compiled = (name: string): SolcContract => {
    const found = Object.values(output.contracts ?? {}).map((byName) => byName[name]).find((c) => c !== undefined)
    if (found === undefined) throw new Error(`contract ${name} missing from solc output`)
    return found
  }
  const write = (name: string, artifact: object): void => {
    writeFileSync(join(ARTIFACTS_DIR, `${name}.json`), JSON.stringify({ contractName: name, ...artifact }, null, 2) + '\n')
  }
  for (const name of DEPLOYED) {
    const found = compiled(name)
    if (found.evm.bytecode.object.length === 0) throw new Error(`contract ${name} has no bytecode (abstract?)`)
    write(name, { abi: found.abi, bytecode: `0x${found.evm.bytecode.object}` })
  }
  for (const name of INTERFACES) write(name, { abi: compiled(name).abi })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  process.stdout.write(`contracts: compiled ${Object.keys(sources).length} sources with solc ${solc.version()} in ${seconds}s -> ${ARTIFACTS_DIR}\n`)
}

main()
