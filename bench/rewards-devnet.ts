// Issue 16's devnet run at full size: N mixed submissions (signed PowerShell cradles and benign files from
// W wallets, two unsigned cradles, a signed EICAR) on a 4-member devnet, every rewards epoch compared byte
// for byte across the members, the root settled on chain, and `virusmap claim` for three wallets. Prints
// each stage's wall time with the load average, the items by class and outcome, and the claims; exits 1
// when a member served another tree or a claim paid other than its cumulative amount.
// The test (node/test/e2e/rewards.e2e.test.ts) runs the same code with 16 submissions.
// Run: npx node bench/rewards-devnet.ts [--submissions 200] [--wallets 8] [--concurrency 8] [--timeout 1200] [--keep]
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startDevnet } from '../node/src/devnet/devnet.ts'
import { claimByCli, cumulativeOf, runRewards } from '../node/test/e2e/rewards-devnet.ts'

const { values } = parseArgs({
  options: {
    submissions: { type: 'string', default: '200' },
    wallets: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '8' },
    timeout: { type: 'string', default: '1200' },
    keep: { type: 'boolean', default: false }
  }
})
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ')
const signal = AbortSignal.timeout(Number(values.timeout) * 1000)
const dir = await mkdtemp(join(tmpdir(), 'virusmap-rewards-bench-'))
const t0 = performance.now()
const devnet = await startDevnet({ nodes: 4, dir, port: 0, commitWindowMs: 4000, revealWindowMs: 8000, clamav: false }, { signal })
console.log(`devnet up in ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${load()})`)
let failed = false
try {
  const run = await runRewards(devnet, { count: Number(values.submissions), walletCount: Number(values.wallets), concurrency: Number(values.concurrency), log: (l) => { console.log(`${l} (load ${load()})`) } }, { signal })
  const byStatus = Map.groupBy(run.submitted, (s) => s.status)
  console.log(`reports: ${[...byStatus].map(([status, list]) => `${list.length} ${status}`).join(', ')}; anchored in epochs ${run.anchoredEpochs.join(', ')}; settled epoch ${run.settled.epoch}, root ${run.settled.root}`)

  let compared = 0
  for (const [epoch, body] of run.served[0] ?? []) {
    for (let m = 1; m < run.served.length; m++) {
      compared++
      if (run.served[m]?.get(epoch) !== body) { failed = true; console.log(`MISMATCH: member ${m} serves epoch ${epoch} differently from member 0`) }
    }
  }
  const settledBody = JSON.parse(run.served[0]?.get(run.settled.epoch) as string) as { data: { attributes: { root: string } } }
  if (settledBody.data.attributes.root !== run.settled.root) { failed = true; console.log('MISMATCH: the settled root is not the members\' root') }
  console.log(`byte-identical rewards epochs: ${compared} member-epoch pairs compared over ${run.served[0]?.size} epochs, ${failed ? 'NOT all equal' : 'all equal'}`)

  const items = new Map<string, { class: string, outcome: string, amount: string }>()
  for (const body of run.served[0]?.values() ?? []) {
    for (const item of (JSON.parse(body) as { data: { attributes: { items: Array<{ job_id: string, class: string, outcome: string, amount: string }> } } }).data.attributes.items) items.set(item.job_id, item)
  }
  const rows = new Map<string, { count: number, wei: bigint }>()
  for (const s of run.submitted) {
    const item = items.get(s.jobId)
    const key = `${s.kind}${s.submitter === undefined ? ' (unsigned)' : ''}: ${item?.class ?? 'no item'}/${item?.outcome ?? '-'}`
    const row = rows.get(key) ?? { count: 0, wei: 0n }
    rows.set(key, { count: row.count + 1, wei: row.wei + BigInt(item?.amount ?? 0) })
  }
  for (const [key, row] of [...rows].toSorted()) console.log(`  ${key}: ${row.count} reports, ${(Number(row.wei) / 1e18).toFixed(2)} VMT`)
  const eicar = run.submitted.find((s) => s.kind === 'eicar')
  if (items.get(eicar?.jobId ?? '')?.amount !== '0') { failed = true; console.log('EICAR earned') }

  const accounts = await Promise.all(run.wallets.map(async (wallet) => ({ wallet, cumulative: await cumulativeOf(devnet, 0, run.settled.epoch, wallet.address, { signal }) })))
  console.log(`wallets: ${accounts.map((a) => `${a.wallet.address.slice(0, 8)} ${(Number(a.cumulative) / 1e18).toFixed(2)}`).join(', ')} VMT`)
  const t1 = performance.now()
  for (const [k, { wallet, cumulative }] of accounts.filter((a) => a.cumulative > 0n).slice(0, 3).entries()) {
    const claimed = await claimByCli(devnet, dir, wallet, k + 1, { signal })
    const exact = claimed.code === 0 && claimed.after - claimed.before === cumulative
    if (!exact) failed = true
    console.log(`claim ${wallet.address} through member ${k + 1}: exit ${claimed.code}, paid ${claimed.out.paid} wei, balance +${claimed.after - claimed.before} wei (${exact ? 'exactly the cumulative amount' : 'NOT the cumulative amount'})`)
  }
  console.log(`claims took ${((performance.now() - t1) / 1000).toFixed(1)} s; submit ${(run.ms.submit / 1000).toFixed(1)} s, anchor ${(run.ms.anchor / 1000).toFixed(1)} s, settle ${(run.ms.settle / 1000).toFixed(1)} s; load now ${load()}`)
} catch (err) {
  failed = true
  console.log(`run failed: ${(err as Error).message}`)
} finally {
  await devnet.stop()
  if (values.keep) console.log(`kept ${dir}`)
  else await rm(dir, { recursive: true, force: true })
}
process.exitCode = failed ? 1 : 0
