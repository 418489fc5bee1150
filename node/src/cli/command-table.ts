import type { Command } from './command.ts'

export interface CommandEntry {
  name: string
  summary: string
  /** imported on use, so `virusmap lookup` does not load libp2p and the devnet */
  load(): Promise<Command>
}

/**
 * Every `virusmap` command, in the order `--help` lists them. A command is one file in
 * ./commands exporting a Command; add a line here.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'devnet',
    summary: 'run a local chain, the contracts and N elected supernodes',
    load: async () => (await import('./commands/devnet.ts')).devnetCommand
  },
  {
    name: 'supernode',
    summary: 'run one supernode from a config file',
    load: async () => (await import('./commands/supernode.ts')).supernodeCommand
  },
  {
    name: 'submit',
    summary: 'upload a file, wait for its quorum report and verify it against the chain',
    load: async () => (await import('./commands/submit.ts')).submitCommand
  },
  {
    name: 'lookup',
    summary: 'fetch the report of a sha256/sha1/md5 and verify it against the chain',
    load: async () => (await import('./commands/lookup.ts')).lookupCommand
  },
  { name: 'init', summary: 'store the API, RPC and deployment to use from any directory (a profile, mode 0600)', load: async () => (await import('./commands/init.ts')).initCommand },
  {
    name: 'vote',
    summary: 'vote a file harmless or malicious (once per API key, on the node asked)',
    load: async () => (await import('./commands/vote.ts')).voteCommand
  },
  { name: 'gov', summary: 'governance: delegate, propose, vote (also by signature), queue, execute, cancel, proposals, members', load: async () => (await import('./commands/gov.ts')).govCommand },
  { name: 'evidence', summary: 'list the equivocation evidence a node holds, or prove it on chain (slashes the member)', load: async () => (await import('./commands/evidence.ts')).evidenceCommand },
  { name: 'buy', summary: 'buy a sample on the data market with VMT (an approved vendor), checked against its sha256; --refund a lapsed order', load: async () => (await import('./commands/buy.ts')).buyCommand },
  { name: 'market', summary: 'the data market\'s orders (all, or one buyer\'s) with their status', load: async () => (await import('./commands/market.ts')).marketCommand },
  { name: 'rewards', summary: 'the VMT rewards a node computed for an epoch, or one account\'s (cumulative, this epoch, its reports)', load: async () => (await import('./commands/rewards.ts')).rewardsCommand },
  { name: 'deposit', summary: 'lock VMT as a submitter\'s deposit (a signed report earns only with one), show it, or ask it back', load: async () => (await import('./commands/deposit.ts')).depositCommand },
  { name: 'claim', summary: 'claim a wallet\'s VMT rewards from RewardsDistributor with a proof checked against the chain\'s root', load: async () => (await import('./commands/claim.ts')).claimCommand },
  { name: 'anchors', summary: 'list the epochs anchored on chain a node has seen, or one epoch\'s jobs', load: async () => (await import('./commands/anchors.ts')).anchorsCommand },
  { name: 'hunt', summary: 'hunt with YARA rules on the members as an approved vendor: add, list, matches [--follow], retro', load: async () => (await import('./commands/hunt.ts')).huntCommand },
  { name: 'keystore', summary: 'create, import or show an encrypted JSON keystore', load: async () => (await import('./commands/keystore.ts')).keystoreCommand },
  { name: 'apikey', summary: 'create, revoke or list the x-apikey keys a supernode accepts', load: async () => (await import('./commands/apikey.ts')).apikeyCommand },
  { name: 'guard', summary: 'judge a wallet request before signing it (decode, simulate on your RPC, drainer rules)', load: async () => (await import('./commands/guard.ts')).guardCommand },
  { name: 'deploy', summary: 'deploy VirusMap to a chain from PLAN.json and write the deployment file', load: async () => (await import('./commands/deploy.ts')).deployCommand }
]
