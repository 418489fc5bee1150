/**
 * The governance page's pure parts, in Node: the calls queue/execute take, rebuilt from the node's
 * proposal object and held to the proposal id the Governor computes (ethers' hashProposal here),
 * so a lying node cannot make the page queue another proposal; and the wallet's errors and
 * EIP-6963 announcements turned into plain messages or refused.
 */
import tap from 'tap'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { AbiCoder, Interface, id, keccak256 } from 'ethers'
import { registryArtifact } from '#governance/artifacts.ts'
import { proposalCalls } from '../../src/web/gov-actions.js'
import { announced, revertData, walletError } from '../../src/web/wallet.js'

const registry = `0x${'5e'.repeat(20)}`
const admit = new Interface(registryArtifact.abi).encodeFunctionData('admit', [`0x${'0a'.repeat(20)}`])
const calldatas = [admit, '0x']
const description = 'Admit 0x0a…\n\nwith ünïcode\n\n#proposer=0x0000000000000000000000000000000000000001'
const pid = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(['address[]', 'uint256[]', 'bytes[]', 'bytes32'], [[registry, registry], [0n, 0n], calldatas, id(description)])))
const served = (extra: Record<string, unknown> = {}, actions: Array<Record<string, unknown>> = [{ target: registry, value: '0', calldata: admit }, { target: registry, value: '0', calldata: '0x' }]): unknown => ({
  type: 'proposal', id: pid.toString(), attributes: { description, description_truncated: false, actions, action_count: actions.length, ...extra }
})

tap.test('the calls of an honest node\'s proposal hash to its id, as the Governor hashes them', async (t) => {
  const { id: got, calls } = proposalCalls(served(), keccak_256)
  t.equal(got, pid)
  t.same(calls.slice(0, 3), [[registry, registry], [0n, 0n], calldatas])
  t.equal(Buffer.from(calls[3]).toString('hex'), id(description).slice(2), 'the description hash')
})

tap.test('a lying or cut-short proposal object is refused before anything is sent', async (t) => {
  const refused = (p: unknown, message: RegExp, what: string): void => { t.throws(() => proposalCalls(p, keccak_256), { name: 'GovActionError', code: 'INCOMPLETE', message }, what) }
  const lie = /do not hash to its id: not sent/
  refused(served({}, [{ target: registry, value: '0', calldata: admit.replace(/0a/g, 'bb') }, { target: registry, value: '0', calldata: '0x' }]), lie, 'another operator admitted')
  refused(served({}, [{ target: `0x${'66'.repeat(20)}`, value: '0', calldata: admit }, { target: registry, value: '0', calldata: '0x' }]), lie, 'another target')
  refused(served({}, [{ target: registry, value: '1', calldata: admit }, { target: registry, value: '0', calldata: '0x' }]), lie, 'a value')
  refused(served({ description: `${description} ` }), lie, 'another description')
  refused(served({}, [{ target: registry, value: 'lots', calldata: admit }, { target: registry, value: '0', calldata: '0x' }]), lie, 'a value that is no number')
  refused(served({}, [{ target: '<script>', value: '0', calldata: admit }, { target: registry, value: '0', calldata: '0x' }]), lie, 'a target that is no address')
  refused(served({}, [{ target: registry, value: '0', calldata: 'zz' }, { target: registry, value: '0', calldata: '0x' }]), lie, 'calldata that is no hex')
  refused({ ...served() as object, id: 'not-an-id' }, lie, 'an id that is no number')
  const cut = /cut short .* virusmap gov queue\|execute/
  refused(served({ description_truncated: true }), cut, 'a truncated description')
  refused(served({ description_truncated: undefined }), cut, 'no word on truncation')
  refused(served({ action_count: 17 }), cut, 'fewer calls than the proposal has')
  refused(served({}, [{ target: registry, value: '0', calldata: admit, calldata_truncated: true }, { target: registry, value: '0', calldata: '0x' }]), cut, 'truncated calldata')
  refused(served({ actions: 'all of them' }), cut, 'actions that are no list')
  refused(undefined, cut, 'nothing at all')
  refused({ id: '1' }, cut, 'no attributes')
})

tap.test('a wallet\'s errors become plain messages; revert data is found where wallets nest it', async (t) => {
  t.match(walletError('eth_sendTransaction', { code: 4001, message: 'User denied' }), { name: 'WalletError', code: 'REJECTED', message: 'You rejected the request in your wallet (eth_sendTransaction).' })
  t.match(walletError('eth_call', { code: 4100 }), { code: 'REJECTED', message: /not authorized this page/ })
  t.match(walletError('eth_call', { code: 4200 }), { code: 'REQUEST_FAILED', message: 'Your wallet does not support eth_call.' })
  t.match(walletError('eth_call', { code: 4901, message: 'gone' }), { code: 'REQUEST_FAILED', message: /disconnected from the chain: gone/ })
  t.match(walletError('eth_requestAccounts', { code: -32002 }), { code: 'REQUEST_FAILED', message: /already has a request from this page waiting/ })
  t.match(walletError('wallet_switchEthereumChain', { code: 4902, message: 'Unrecognized chain' }), { code: 'REQUEST_FAILED', rpcCode: 4902 })
  const long = walletError('eth_call', { code: -32000, message: `line one\n\n${'x'.repeat(10_000)}` })
  t.ok(long.message.length < 250, 'a wallet\'s long message is cut short')
  t.notMatch(long.message, /\n/, 'and on one line')
  for (const garbage of [undefined, null, 'a string', 42, [], { message: 7 }]) t.match(walletError('eth_call', garbage), { name: 'WalletError', code: 'REQUEST_FAILED', message: /^Your wallet failed eth_call/ }, `thrown ${JSON.stringify(garbage)}`)
  const data = `0x08c379a0${'00'.repeat(32)}`
  for (const nested of [{ data }, { data: { data } }, { data: { originalError: { data } } }, { error: { data } }, { cause: { data } }]) t.equal(revertData(nested), data, JSON.stringify(Object.keys(nested)))
  t.equal(revertData({ data: '0x12' }), undefined, 'too short to name an error')
  t.equal(revertData({ data: 'execution reverted' }), undefined, 'not hex')
  t.equal(walletError('eth_call', { code: 3, message: 'execution reverted', data }).revertData, data)
})

tap.test('EIP-6963 announcements: checked, cut to size, icons only as image data', async (t) => {
  const provider = { request: async () => null }
  const info = { uuid: 'u-1', name: 'Wallet', icon: 'data:image/png;base64,AAAA', rdns: 'org.example' }
  t.match(announced({ info, provider }), { uuid: 'u-1', name: 'Wallet', icon: info.icon, rdns: 'org.example', provider })
  t.equal(announced({ info: { ...info, icon: 'javascript:alert(1)' }, provider })?.icon, undefined, 'a script URL is no icon')
  t.equal(announced({ info: { ...info, icon: 'https://tracker.example/i.png' }, provider })?.icon, undefined, 'nothing is fetched from elsewhere')
  t.equal(announced({ info: { ...info, icon: `data:image/png;base64,${'A'.repeat(200_000)}` }, provider })?.icon, undefined, 'an oversize icon')
  t.equal(announced({ info: { ...info, name: 'W'.repeat(10_000) }, provider })?.name.length, 60)
  t.equal(announced({ info: { ...info, name: '' }, provider })?.name, 'unnamed wallet')
  t.equal(announced({ info: { ...info, rdns: 7 }, provider })?.rdns, '')
  for (const bad of [undefined, null, 'wallet', { info }, { provider }, { info, provider: {} }, { info, provider: { request: 'yes' } }, { info: { ...info, uuid: 1 }, provider }, { info: { ...info, name: null }, provider }]) {
    t.equal(announced(bad), undefined, JSON.stringify(bad))
  }
})
