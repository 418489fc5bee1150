// Blur-style orders (the issue's "Seaport/Blur-style orders where the user gives and gets nothing
// back"): a Blur Exchange sell order for nothing blocks, an honest listing and a buy do not; a
// Blur bulk signature (a Merkle root of orders nobody shows) blocks unless Blur's own site asks;
// hostile orders are refused by code; a block reports who the order pays.
import tap from 'tap'
import { decide, decodeRequest, runRules, type Address, type PageContext } from '../../src/guard/index.ts'
import { guardIndicators } from '../../src/guard/guard-indicators.ts'
import { typed } from './fixtures/requests.ts'

const USER: Address = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const COLLECTION: Address = '0x1111111111111111111111111111111111111111'
const DRAINER: Address = '0x2222222222222222222222222222222222222222'
const BLUR_FEES: Address = '0x3333333333333333333333333333333333333333'
const DOMAIN_TYPE = [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }, { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }]
const DOMAIN = { name: 'Blur Exchange', version: '1.0', chainId: 1, verifyingContract: '0x000000000000ad05ccc4f10045630fb830b95127' }

/** Blur Exchange's Order as its EIP-712 types declare it */
const order = (o: { trader?: string, side?: unknown, price?: string, fees?: unknown, collection?: string }): object => ({
  types: {
    EIP712Domain: DOMAIN_TYPE,
    Order: [
      { name: 'trader', type: 'address' }, { name: 'side', type: 'uint8' }, { name: 'matchingPolicy', type: 'address' }, { name: 'collection', type: 'address' },
      { name: 'tokenId', type: 'uint256' }, { name: 'amount', type: 'uint256' }, { name: 'paymentToken', type: 'address' }, { name: 'price', type: 'uint256' },
      { name: 'listingTime', type: 'uint256' }, { name: 'expirationTime', type: 'uint256' }, { name: 'fees', type: 'Fee[]' }, { name: 'salt', type: 'uint256' },
      { name: 'extraParams', type: 'bytes' }, { name: 'nonce', type: 'uint256' }
    ],
    Fee: [{ name: 'rate', type: 'uint16' }, { name: 'recipient', type: 'address' }]
  },
  primaryType: 'Order',
  domain: DOMAIN,
  message: {
    trader: o.trader ?? USER, side: o.side ?? 1, matchingPolicy: '0x0000000000daB4A563819e8fd93dbA3b25BC3495', collection: o.collection ?? COLLECTION,
    tokenId: '42', amount: '1', paymentToken: '0x0000000000000000000000000000000000000000', price: o.price ?? '1000000000000000000',
    listingTime: '1700000000', expirationTime: '1800000000', fees: o.fees ?? [{ rate: 50, recipient: BLUR_FEES }], salt: '7', extraParams: '0x', nonce: '0'
  }
})
const root = {
  types: { EIP712Domain: DOMAIN_TYPE, Root: [{ name: 'root', type: 'bytes32' }] },
  primaryType: 'Root',
  domain: DOMAIN,
  message: { root: `0x${'ab'.repeat(32)}` }
}

const judge = (data: object, page: PageContext = {}): ReturnType<typeof result> => result(data, page)
function result (data: object, page: PageContext) {
  const request = decodeRequest(typed(USER, data))
  const simulation = { status: 'not-applicable' } as const
  const findings = runRules({ request, simulation, facts: undefined, pastRecipients: new Set(), malicious: { addresses: new Set(), domains: new Set(), scriptHashes: new Set() }, phishing: undefined, allowlist: new Set(), page, connects: [], now: 1 })
  return { decision: decide(findings, true), findings, simulation, request }
}
const ids = (r: ReturnType<typeof judge>): string[] => r.findings.map(f => f.id)

tap.test('a Blur sell order for nothing blocks; an honest listing and a buy do not', async (t) => {
  const free = judge(order({ price: '0', fees: [] }))
  t.equal(free.decision, 'block')
  t.match(free.findings, [{ id: 'blur-giveaway', level: 'block', evidence: { collection: COLLECTION, tokenId: '42', price: '0', feeRecipients: [] } }])
  const allFees = judge(order({ fees: [{ rate: 9000, recipient: DRAINER }, { rate: 1000, recipient: DRAINER }] }))
  t.equal(allFees.decision, 'block', 'fees taking 100% of the price leave the seller nothing')
  t.match(allFees.findings, [{ id: 'blur-giveaway', evidence: { feeRecipients: [DRAINER] } }])
  t.same(ids(judge(order({}))), [], 'a listing for 1 ETH with a 0.5% fee')
  t.same(ids(judge(order({ fees: [{ rate: 9999, recipient: DRAINER }, { rate: 5000, recipient: USER }] }))), [], 'fees to the user are the user\'s')
  t.same(ids(judge(order({ side: 0, price: '0' }))), [], 'a buy order gives the user the NFT')
  t.same(ids(judge(order({ trader: DRAINER, price: '0' }))), [], 'someone else\'s order')
})

tap.test('a Blur bulk signature blocks unless Blur\'s own site asks', async (t) => {
  t.match(judge(root, { origin: 'https://blur-airdrop.example' }).findings, [{ id: 'blur-bulk-signature', level: 'block', evidence: { host: 'blur-airdrop.example' } }])
  t.equal(judge(root, { origin: 'https://blur.io.claim.example' }).decision, 'block', 'blur.io as a subdomain of another site')
  t.same(ids(judge(root, { origin: 'https://blur.io' })), [])
  t.same(ids(judge(root, { origin: 'https://app.blur.io' })), [])
  t.match(judge(root).findings, [{ id: 'blur-bulk-signature', level: 'warn' }], 'no page (the CLI): a warning')
  t.equal(judge({ ...root, domain: { ...DOMAIN, name: 'Other' } }).findings.length, 0, 'a Root of another protocol is plain typed data')
})

tap.test('hostile Blur orders are refused by code before any rule', async (t) => {
  t.throws(() => decodeRequest(typed(USER, order({ side: 2 }))), { code: 'BAD_NUMBER' })
  t.throws(() => decodeRequest(typed(USER, { ...order({}), message: { ...(order({}) as { message: object }).message, trader: 'nobody' } })), { code: 'BAD_TYPED_DATA' }, 'ethers refuses a non-address')
  const noTypes = order({}) as { types: Record<string, unknown>, message: Record<string, unknown> }
  t.throws(() => decodeRequest(typed(USER, { ...noTypes, message: { ...noTypes.message, fees: 'all' } })), { code: 'BAD_TYPED_DATA' })
  const manyFees = Array.from({ length: 5000 }, () => ({ rate: 1, recipient: DRAINER }))
  t.throws(() => decodeRequest(typed(USER, order({ fees: manyFees }))), { name: 'GuardError' }, 'more fees than the guard reads')
})

tap.test('a blocked Blur order reports who it pays, not the user nor the collection', async (t) => {
  const blocked = judge(order({ fees: [{ rate: 10_000, recipient: DRAINER }] }), { origin: 'https://blur-claim.example', url: 'https://blur-claim.example/list' })
  const reported = guardIndicators(blocked, { origin: 'https://blur-claim.example', url: 'https://blur-claim.example/list' }, { chainId: 1 }).map(i => `${i.kind}:${i.subject}`)
  t.ok(reported.includes(`wallet:eip155:1:${DRAINER}`), reported.join(' '))
  t.notOk(reported.some(s => s.includes(USER.slice(2)) || s.includes(COLLECTION.slice(2))))
})
