// Hunting end to end on the 4-node devnet (issue 17, SPEC 19): the devnet's demo vendor (approved, and
// the hunt priced, through the Governor) registers a YARA ruleset with `virusmap hunt add`; a sample
// submitted afterwards matches it at the members, and the vendor gets signed notifications from at least
// f+1 distinct members, which `virusmap hunt matches` counts as confirmed against the chain. The members
// that took a ruleset are paid for it: they sign Delivered over its id and one of them fulfils the order.
import { createHash, randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Contract } from 'ethers'
import type { EventLog } from 'ethers'
import tap from 'tap'
import { marketArtifact } from '#governance/artifacts.ts'
import { vendorDevnet } from './vendor-devnet.ts'

const vendor = vendorDevnet('hunt', 'hunt')
const vendorArgs = (): string[] => ['--keystore', vendor().devnet.info.vendor!.keystore, '--deployment', join(vendor().dir, 'devnet.json'), '--json']

tap.test('a registered ruleset matches a sample submitted afterwards; f+1 members\' signed notifications confirm it', async (t) => {
  const { devnet, dir, cli } = vendor()
  await writeFile(join(dir, 'hunt.yar'), 'rule e2e_livehunt { strings: $m = "VIRUSMAP-E2E-HUNT-5c1d" condition: $m }\n')
  const added = await cli(['hunt', 'add', 'hunt.yar', ...vendorArgs()])
  t.equal(added.code, 0, added.stderr)
  const summary = JSON.parse(added.stdout) as { rulesetId: string, registered: string[] }
  t.equal(summary.registered.length, 4, 'every member took the ruleset')
  const sample = join(dir, 'sample.bin')
  const bytes = Buffer.concat([Buffer.from('hunted sample VIRUSMAP-E2E-HUNT-5c1d '), randomBytes(20_000)])
  await writeFile(sample, bytes)
  const submitted = await cli(['submit', sample, '--api', devnet.info.nodes[0]!.api, '--deployment', join(dir, 'devnet.json'), '--json'])
  t.equal(submitted.code, 0, submitted.stderr)
  const sha256 = `0x${createHash('sha256').update(bytes).digest('hex')}`
  const started = Date.now()
  let confirmed: { members: string[], needed: number, confirmed: boolean } | undefined
  while (Date.now() - started < 60_000) {
    const res = await cli(['hunt', 'matches', ...vendorArgs()])
    const found = (JSON.parse(res.stdout || '[]') as Array<{ sha256: string, rule: string, members: string[], needed: number, confirmed: boolean }>).find((m) => m.sha256 === sha256 && m.rule === 'e2e_livehunt')
    if (found?.confirmed === true && found.members.length === 4) { confirmed = found; break }
    await sleep(1000)
  }
  t.ok(confirmed, 'confirmed')
  t.equal(confirmed?.needed, 2, 'f+1 of 4 members')
  t.equal(confirmed?.members.length, 4, 'every member signed its notification')
  t.comment(`confirmed by all four members ${Date.now() - started} ms after the report`)
})

tap.test('the hunt order is paid by the members that took its ruleset, with no fulfil by the vendor', async (t) => {
  const { devnet, dir, cli } = vendor()
  await writeFile(join(dir, 'paid.yar'), 'rule e2e_paid_hunt { strings: $m = "VIRUSMAP-E2E-PAID-77a0" condition: $m }\n')
  const added = await cli(['hunt', 'add', 'paid.yar', ...vendorArgs()])
  t.equal(added.code, 0, added.stderr)
  const { orderId, rulesetId } = JSON.parse(added.stdout) as { orderId: string, rulesetId: string }
  const market = new Contract(devnet.info.contracts.market!, marketArtifact.abi, devnet.provider)
  let status = 1n
  for (let i = 0; i < 300 && status === 1n; i++) {
    await sleep(200)
    status = (await market.getFunction('orderOf')(BigInt(orderId)))[3] as bigint
  }
  t.equal(status, 2n, 'the hunt order is fulfilled')
  const [event] = await market.queryFilter(market.filters.Fulfilled!(BigInt(orderId)))
  const members = (event as EventLog).args.getValue('members') as string[]
  t.ok(members.length >= 2, `paying ${members.length} members, at least f+1`)
  const tx = await devnet.provider.getTransaction(event!.transactionHash)
  t.ok(devnet.info.nodes.some((n) => n.operator === tx!.from.toLowerCase()), 'sent by a member, not the vendor')
  t.comment(`ruleset ${rulesetId}: order ${orderId} paid to ${members.length} members`)
})
