/**
 * The paper's threat dictionary and label set. The paper names 8 threat labels without listing
 * them in its text; these 8 follow VirusTotal's domain categories and the offline lists we can
 * label with (docs/reputation.md says which labels have training data: c2 and mining have none).
 */
export const THREAT_LABELS = ['benign', 'phishing', 'malware', 'scam', 'adware', 'tracker', 'c2', 'mining'] as const
export type ThreatLabel = typeof THREAT_LABELS[number]
export type NonBenignLabel = Exclude<ThreatLabel, 'benign'>
export const NON_BENIGN_LABELS = THREAT_LABELS.filter((l): l is NonBenignLabel => l !== 'benign')
/** labels whose domains harm the visitor (the binary model's "malicious") */
export const MALICIOUS_LABELS: readonly NonBenignLabel[] = ['phishing', 'malware', 'scam', 'c2', 'mining']

/**
 * Keywords per label, from security practice (written before the lists were read, not mined from
 * them). Keywords of 5+ characters match anywhere in the host; shorter ones only as a whole token
 * (split on dots, hyphens, digits), so "ad" does not hit "download".
 */
export const THREAT_KEYWORDS: Readonly<Record<NonBenignLabel, readonly string[]>> = {
  phishing: ['phish', 'login', 'signin', 'verify', 'verification', 'secure', 'account', 'wallet', 'recover', 'restore',
    'unlock', 'validate', 'airdrop', 'claim', 'connect', 'support', 'update', 'auth', 'seed', 'phrase', 'sso', 'kyc'],
  malware: ['malware', 'virus', 'worm', 'trojan', 'payload', 'loader', 'stealer', 'ransom', 'crack', 'keygen', 'warez', 'exploit',
    'dropper', 'botnet', 'rat', 'exe', 'apk', 'dl', 'bin'],
  scam: ['scam', 'fraud', 'giveaway', 'bonus', 'prize', 'winner', 'reward', 'lottery', 'casino', 'doubler', 'invest', 'profit',
    'techsupport', 'helpdesk', 'refund', 'free', 'gift', 'promo'],
  adware: ['adware', 'adserver', 'adserv', 'banner', 'popunder', 'popup', 'adclick', 'clicks', 'adtrack', 'doubleclick',
    'ad', 'ads', 'adx', 'advert', 'affiliate', 'sponsor', 'syndication', 'promo'],
  tracker: ['analytics', 'tracking', 'tracker', 'metrics', 'telemetry', 'pixel', 'beacon', 'collect', 'stats',
    'stat', 'counter', 'insight', 'monitor', 'log', 'logs', 'tag', 'tags', 'measure'],
  c2: ['dyndns', 'duckdns', 'no-ip', 'noip', 'ddns', 'hopto', 'serveo', 'ngrok', 'cnc', 'c2', 'beacon', 'gate',
    'panel'],
  mining: ['coinminer', 'cryptojack', 'coinhive', 'cryptonight', 'miner', 'mining', 'minero', 'hashvault', 'nanopool', 'moneroocean', 'xmr',
    'monero', 'pool', 'coinimp', 'webminer']
}

/**
 * Names phishers borrow. A host that contains one without being that brand's registered domain
 * (brandImpersonation) is the classic crypto-phishing shape; being the brand (brandExact) is not.
 */
export const BRAND_TOKENS: readonly string[] = [
  'metamask', 'myetherwallet', 'mycrypto', 'ledger', 'trezor', 'binance', 'coinbase', 'kraken', 'uniswap',
  'pancakeswap', 'opensea', 'etherscan', 'blockchain', 'trustwallet', 'phantom', 'walletconnect', 'exodus',
  'electrum', 'bitfinex', 'kucoin', 'okx', 'bybit', 'polygon', 'arbitrum', 'optimism', 'ethereum', 'bitcoin',
  'solana', 'tether', 'paypal', 'apple', 'icloud', 'google', 'microsoft', 'office365', 'outlook', 'amazon',
  'facebook', 'instagram', 'whatsapp', 'netflix', 'steam', 'discord', 'telegram', 'twitter', 'chase', 'wellsfargo'
]

/** TLDs most abused per public abuse reports (cheap or free registrations). */
export const ABUSED_TLDS: ReadonlySet<string> = new Set([
  'tk', 'ml', 'ga', 'cf', 'gq', 'xyz', 'top', 'club', 'online', 'site', 'icu', 'buzz', 'live', 'shop', 'store',
  'vip', 'work', 'click', 'link', 'rest', 'fit', 'cyou', 'monster', 'sbs', 'cfd', 'bond', 'app', 'lol', 'quest'
])

const TOKEN_SPLIT = /[.\-_0-9]+/

/** Hits per non-benign label for a text (a host, or engine result labels). */
export function dictionaryHits (text: string): Record<NonBenignLabel, number> {
  const lower = text.toLowerCase()
  const tokens = new Set(lower.split(TOKEN_SPLIT).filter(t => t.length > 0))
  const hits = {} as Record<NonBenignLabel, number>
  for (const label of NON_BENIGN_LABELS) {
    let n = 0
    for (const k of THREAT_KEYWORDS[label]) {
      if (k.length >= 5 ? lower.includes(k) : tokens.has(k)) n++
    }
    hits[label] = n
  }
  return hits
}
