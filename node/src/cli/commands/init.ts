// `virusmap init`: stores the API, RPC and deployment a user talks to (someone else's supernode, say)
// in a profile, so submit, lookup, vote and gov work from any directory without the flags.
import { createRegistryView } from '../../light-client/registry-view.ts'
import type { Hex } from '#protocol/messages.ts'
import type { Command } from '../command.ts'
import { EXIT_CODES } from '../command.ts'
import { PROFILE_VERSION, isHttpUrl, saveProfile } from '../profile.ts'
import type { Profile, ProfileContracts } from '../profile.ts'
import { address, badInput, connect, loadGovDeployment, oneLine, str } from './gov-context.ts'

const API_KEY = /^[0-9a-f]{64}$/

export const initCommand: Command = {
  name: 'init',
  summary: 'store the API, RPC and deployment to use from any directory (a profile in ~/.config/virusmap)',
  usage: 'virusmap init --api URL --rpc URL (--deployment FILE | --registry ADDR [--parameters ADDR]) [--api-key KEY] [--chain-id N] [--json]',
  options: {
    api: { type: 'string' },
    rpc: { type: 'string' },
    deployment: { type: 'string' },
    registry: { type: 'string' },
    parameters: { type: 'string' },
    'api-key': { type: 'string' },
    /** the spelling the other commands take */
    apikey: { type: 'string' },
    'chain-id': { type: 'string' },
    json: { type: 'boolean' }
  },
  async run ({ values, positionals }, ctx) {
    return await oneLine(ctx, async () => {
      if (positionals.length > 0) throw badInput(`init takes no arguments, got "${String(positionals[0]).slice(0, 40)}"`)
      const api = str(values.api)
      const rpc = str(values.rpc)
      if (!isHttpUrl(api)) throw badInput('--api must be an http(s) URL: the supernode API to ask')
      if (!isHttpUrl(rpc)) throw badInput('--rpc must be an http(s) URL: the chain to verify reports against')
      const file = str(values.deployment)
      const registryText = str(values.registry)
      if ((file === undefined) === (registryText === undefined)) throw badInput('pass one of --deployment FILE (all the contracts) or --registry ADDR (the registry alone: no gov)')
      if (file !== undefined && values.parameters !== undefined) throw badInput('--parameters goes with --registry; a deployment file names its own')
      if (values['api-key'] !== undefined && values.apikey !== undefined) throw badInput('pass --api-key or --apikey, not both')
      const apiKey = str(values['api-key']) ?? str(values.apikey)
      if (apiKey !== undefined && !API_KEY.test(apiKey)) throw badInput('--api-key must be 64 lowercase hex digits')
      const chainText = str(values['chain-id'])
      if (chainText !== undefined && !/^[1-9]\d{0,15}$/.test(chainText)) throw badInput('--chain-id must be a positive integer')

      const fromFile = file === undefined ? undefined : await loadGovDeployment({ deployment: file, rpc }, ctx)
      const expected = fromFile?.chainId ?? (chainText === undefined ? undefined : Number(chainText))
      if (fromFile !== undefined && chainText !== undefined && Number(chainText) !== fromFile.chainId) throw badInput(`--chain-id ${chainText} but ${fromFile.file} is for chain ${fromFile.chainId}`)
      const contracts: ProfileContracts = fromFile?.contracts ?? {
        registry: address(registryText, '--registry').toLowerCase() as Hex,
        ...(values.parameters === undefined ? {} : { parameters: address(str(values.parameters), '--parameters').toLowerCase() as Hex })
      }
      // the profile is the root every later report is verified against: check it names a live registry on that chain
      const { provider, chainId } = await connect(rpc, expected, ctx.signal)
      try {
        // membersAt takes past blocks only (checkpoints)
        const head = await provider.getBlockNumber()
        await createRegistryView(provider, contracts.registry).membersAt(Math.max(0, head - 1))
      } catch (err) {
        if (ctx.signal.aborted) throw err
        throw badInput(`no VirusMap registry at ${contracts.registry} on chain ${chainId} (${rpc}): ${(err as Error).message.split('\n')[0]?.slice(0, 200)}`)
      } finally {
        provider.destroy()
      }
      const profile: Profile = {
        version: PROFILE_VERSION, api, ...(apiKey === undefined ? {} : { apiKey }), chainId, rpcUrl: rpc, deployBlock: fromFile?.deployBlock ?? 0, contracts
      }
      const path = await saveProfile(ctx.env, profile)
      const gov = contracts.governor !== undefined
      if (values.json === true) {
        ctx.stdout.write(JSON.stringify({ profile: path, api, rpcUrl: rpc, chainId, contracts, apiKey: apiKey !== undefined, gov }, null, 2) + '\n')
      } else {
        ctx.stdout.write(`profile: ${path} (mode 600)\napi: ${api}\nrpc: ${rpc} (chain ${chainId})\nregistry: ${contracts.registry}\n` +
          `api key: ${apiKey === undefined ? 'none (VIRUSMAP_API_KEY or --apikey, if the node asks for one)' : 'stored'}\n` +
          (gov ? '' : 'gov: not from this profile (no governance contracts: init --deployment FILE)\n') +
          (contracts.parameters === undefined ? 'quorum rule: the protocol default (no NetworkParameters address given)\n' : '') +
          'submit, lookup, vote and gov now use it from any directory; flags override it, --deployment FILE replaces it\n')
      }
      return EXIT_CODES.ok
    })
  }
}
