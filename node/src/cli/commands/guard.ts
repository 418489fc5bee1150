// `virusmap guard check|add`: the wallet guard from a shell, for scripts and tests. A request is
// judged on this machine against the user's own RPC; past recipients and the malicious list live
// in guard.json beside the profile.
import { dirname, join, resolve } from 'node:path'
import { loadEthPhishingLists } from '../../intel/lists/eth-phishing-lists.ts'
import { addToStore, createGuard, guardJson, GuardError, loadStore, saveStore, transactionRequest, type StoreKind } from '../../guard/index.ts'
import { isObject, parseJson } from '../../guard/input.ts'
import { EXIT_CODES } from '../command.ts'
import type { Command, CommandArgs, CommandContext, OptionValue } from '../command.ts'
import { isHttpUrl, profilePath } from '../profile.ts'
import { UsageError } from '../usage-error.ts'
import { renderGuardResult } from './guard-render.ts'
import { createGuardService } from '../../guard/service/guard-service.ts'
import { createGuardMirror, type GuardMirror } from '../../guard/mirror.ts'
import { chainReaderFor, connectProvider } from '../../light-client/index.ts'
import { loadProfile } from '../profile.ts'
import type { GuardStoreData } from '../../guard/store.ts'
import { guardIndicators, type GuardIndicator } from '../../guard/guard-indicators.ts'
import type { GuardReporter } from '../../guard/reporter.ts'
import { reporterFor, REPORT_OPTIONS, REPORT_USAGE } from './guard-report.ts'

const STORE_KINDS: readonly StoreKind[] = ['recipient', 'allow', 'malicious-address', 'malicious-domain', 'malicious-script']
const str = (v: OptionValue): string | undefined => typeof v === 'string' ? v : undefined
const strs = (v: OptionValue): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((s): s is string => typeof s === 'string')

function storeFile (values: CommandArgs['values'], ctx: CommandContext): string {
  const given = str(values.store)
  return given !== undefined ? resolve(ctx.cwd, given) : join(dirname(profilePath(ctx.env)), 'guard.json')
}

/** The EIP-1193 request the flags describe. */
function requestFrom (values: CommandArgs['values'], from: string): unknown {
  const given = ['tx', 'typed-data', 'message'].filter(k => values[k] !== undefined)
  if (given.length !== 1) throw new UsageError('give exactly one of --tx, --typed-data, --message')
  const tx = str(values.tx)
  if (tx !== undefined) {
    const parsed = parseJson(tx, '--tx')
    if (!isObject(parsed)) throw new GuardError('BAD_TYPE', '--tx must be a JSON object')
    if (parsed.from !== undefined && String(parsed.from).toLowerCase() !== from.toLowerCase()) throw new UsageError('--tx has a from other than --from')
    return transactionRequest({ ...parsed, from })
  }
  const typed = str(values['typed-data'])
  if (typed !== undefined) return { method: 'eth_signTypedData_v4', params: [from, typed] }
  return { method: 'personal_sign', params: [str(values.message) ?? '', from] }
}

async function check (values: CommandArgs['values'], ctx: CommandContext): Promise<number> {
  const rpc = str(values.rpc)
  if (rpc === undefined || !isHttpUrl(rpc)) throw new UsageError('--rpc must be an http(s) URL')
  const from = str(values.from)
  if (from === undefined) throw new UsageError('--from ADDR is required')
  const request = requestFrom(values, from)
  const store = await loadStore(storeFile(values, ctx), { signal: ctx.signal })
  const reporter = await reporterFor(values, ctx)
  const guard = createGuard({ rpc, pastRecipients: store.pastRecipients, malicious: store.malicious, allowlist: store.allowlist, phishing: await loadEthPhishingLists() })
  try {
    const origin = str(values.origin)
    const page = { ...origin !== undefined ? { origin, url: origin } : {}, scriptHashes: strs(values['script-hash']) }
    const result = await guard.check(request, page, { signal: ctx.signal })
    const reports = reporter === undefined ? undefined : await reportOnce(reporter, guardIndicators(result, page, { allowlist: store.allowlist, ...result.chainId !== undefined ? { chainId: result.chainId } : {} }))
    ctx.stdout.write(values.json === true
      ? guardJson({ decision: result.decision, findings: result.findings, simulation: result.simulation, ...reports !== undefined ? { reports } : {} }) + '\n'
      : renderGuardResult(result) + (reports === undefined || reports.sent + reports.failed === 0 ? '' : `reported to the network: ${reports.sent} sent, ${reports.failed} failed\n`))
    return EXIT_CODES.ok
  } finally {
    await guard.stop()
  }
}

/** a one-shot check's reports: sent before the command ends */
async function reportOnce (reporter: GuardReporter, indicators: GuardIndicator[]): Promise<GuardReporter['totals']> {
  reporter.start()
  try {
    reporter.report(indicators)
    await reporter.idle()
  } finally {
    await reporter.stop()
  }
  return reporter.totals
}

async function add (values: CommandArgs['values'], positionals: string[], ctx: CommandContext): Promise<number> {
  const [kind, ...entries] = positionals
  if (kind === undefined || !STORE_KINDS.includes(kind as StoreKind) || entries.length === 0) throw new UsageError(`guard add ${STORE_KINDS.join('|')} VALUE...`)
  const file = storeFile(values, ctx)
  const store = await loadStore(file, { signal: ctx.signal })
  for (const e of entries) addToStore(store, kind as StoreKind, e)
  await saveStore(file, store, { signal: ctx.signal })
  ctx.stdout.write(values.json === true ? JSON.stringify({ file, added: entries.length }) + '\n' : `${entries.length} ${kind} entr${entries.length === 1 ? 'y' : 'ies'} in ${file}\n`)
  return EXIT_CODES.ok
}

/** the network mirror over the profile's node and deployment (`virusmap init`), saving the store after each pull that changed it */
async function mirrorFor (ctx: CommandContext, store: GuardStoreData, file: string): Promise<GuardMirror> {
  const loaded = await loadProfile(ctx.env)
  if (loaded === undefined) throw new UsageError('--mirror needs a profile: run virusmap init first')
  const { profile } = loaded
  const provider = await connectProvider(profile.rpcUrl, { signal: ctx.signal })
  const target = { provider, registry: profile.contracts.registry, chainId: profile.chainId, ...profile.contracts.parameters !== undefined ? { parameters: profile.contracts.parameters } : {} }
  return createGuardMirror({
    url: profile.api,
    ...profile.apiKey !== undefined ? { apiKey: profile.apiKey } : {},
    chain: chainReaderFor(target),
    expected: { registry: target.registry, chainId: target.chainId },
    store,
    onChange: async (options) => { await saveStore(file, store, options) }
  })
}

/** `virusmap guard --rpc URL [--port P] [--mirror]`: the loopback service the extension asks, until interrupted */
async function serve (values: CommandArgs['values'], ctx: CommandContext): Promise<number> {
  const rpc = str(values.rpc)
  if (rpc === undefined || !isHttpUrl(rpc)) throw new UsageError('--rpc must be an http(s) URL')
  const portText = str(values.port) ?? '8547'
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new UsageError('--port must be a TCP port (0 for any free one)')
  const file = storeFile(values, ctx)
  const store = await loadStore(file, { signal: ctx.signal })
  const mirror = values.mirror === true ? await mirrorFor(ctx, store, file) : undefined
  const reporter = await reporterFor(values, ctx)
  const service = createGuardService({ rpc, store, storeFile: file, port: Number(portText), phishing: await loadEthPhishingLists(), ...mirror !== undefined ? { mirror } : {}, ...reporter !== undefined ? { reporter } : {} })
  reporter?.start()
  await service.start()
  mirror?.start()
  try {
    ctx.stdout.write(values.json === true ? JSON.stringify({ url: service.url, store: file }) + '\n' : `guard listening on ${service.url} (store ${file})\n`)
    await new Promise<void>((resolveStop) => {
      if (ctx.signal.aborted) resolveStop()
      ctx.signal.addEventListener('abort', () => { resolveStop() }, { once: true })
    })
  } finally {
    await mirror?.stop()
    await service.stop()
    await reporter?.stop()
  }
  return EXIT_CODES.ok
}

async function run ({ values, positionals }: CommandArgs, ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = positionals
  try {
    if (sub === 'check' && rest.length === 0) return await check(values, ctx)
    if (sub === 'add') return await add(values, rest, ctx)
    if (sub === undefined) return await serve(values, ctx)
  } catch (err) {
    // one line with the code: a hostile or malformed request is the input's fault, not a crash
    if (err instanceof GuardError) {
      ctx.stderr.write(`virusmap: ${err.code}: ${err.message.split('\n')[0]}\n`)
      return EXIT_CODES.usage
    }
    throw err
  }
  throw new UsageError('guard --rpc URL [--port P] | guard check ... | guard add KIND VALUE...')
}

export const guardCommand: Command = {
  name: 'guard',
  summary: 'judge a wallet request before signing it: decode, simulate on your RPC, apply the drainer rules',
  usage: `virusmap guard --rpc URL [--port P] [--mirror] [--store FILE] ${REPORT_USAGE} [--json]   (the loopback service the extension asks, port 8547 by default;\n` +
    '       --mirror pulls the profile\'s node\'s malicious feed every 5 minutes, each report verified against the profile\'s chain;\n' +
    '       --report-to sends each block as indicator submissions signed by your keystore wallet: the page\'s domain and URL without query, offending wallets, page scripts, the rules in context; never your transaction; at most 30 an hour)\n' +
    `       virusmap guard check --rpc URL --from ADDR (--tx JSON | --typed-data JSON | --message TEXT) [--origin URL] [--script-hash H]... [--store FILE] ${REPORT_USAGE} [--json]\n` +
    `       virusmap guard add ${STORE_KINDS.join('|')} VALUE... [--store FILE]\n` +
    'prints the decision (allow, warn, block, unverified), the findings and the simulation; exit 0 whatever the decision',
  options: {
    rpc: { type: 'string' },
    from: { type: 'string' },
    tx: { type: 'string' },
    'typed-data': { type: 'string' },
    message: { type: 'string' },
    origin: { type: 'string' },
    'script-hash': { type: 'string', multiple: true },
    store: { type: 'string' },
    port: { type: 'string' },
    mirror: { type: 'boolean' },
    ...REPORT_OPTIONS,
    json: { type: 'boolean' }
  },
  run
}
