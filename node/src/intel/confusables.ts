/**
 * Skeletons for homograph detection, after Unicode TS #39: two labels that look alike map to the
 * same skeleton. The table holds the Cyrillic, Greek and Latin-extension letters that pass for
 * ASCII in the fonts browsers use (the ones seen in IDN phishing); NFKD first folds full-width
 * forms and strips accents (é -> e), and ASCII digraphs like "rn" for "m" are folded too.
 */
const CONFUSABLE: Record<string, string> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɡ: 'g', ү: 'y', ь: 'b', п: 'n', г: 'r',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', γ: 'y',
  // Latin look-alikes outside ASCII
  ı: 'i', ł: 'l', ƚ: 'l', ɩ: 'i', ɑ: 'a', ɒ: 'a', ɛ: 'e', ɪ: 'i', ʀ: 'r', ʏ: 'y', ȷ: 'j', đ: 'd', ħ: 'h', ø: 'o', ß: 'ss',
  // digits standing in for letters
  0: 'o', 1: 'l', 3: 'e', 5: 's'
}

const DIGRAPHS: Array<[RegExp, string]> = [[/rn/g, 'm'], [/vv/g, 'w'], [/cl/g, 'd']]

/** the label as it would read on screen: folded, accents stripped, confusables mapped to ASCII */
export function skeleton (label: string): string {
  let out = ''
  for (const ch of label.normalize('NFKD').toLowerCase()) {
    // combining marks left by NFKD (accents) do not change how the base letter reads
    if (/\p{M}/u.test(ch)) continue
    out += CONFUSABLE[ch] ?? ch
  }
  for (const [pattern, replacement] of DIGRAPHS) out = out.replace(pattern, replacement)
  return out
}

export type Script = 'latin' | 'cyrillic' | 'greek' | 'other'

/** the scripts of a label's letters (digits and '-' belong to none) */
export function scriptsOf (label: string): Set<Script> {
  const scripts = new Set<Script>()
  for (const ch of label) {
    if (/[\d-]/.test(ch)) continue
    if (/\p{Script=Latin}/u.test(ch)) scripts.add('latin')
    else if (/\p{Script=Cyrillic}/u.test(ch)) scripts.add('cyrillic')
    else if (/\p{Script=Greek}/u.test(ch)) scripts.add('greek')
    else if (/\p{L}/u.test(ch)) scripts.add('other')
  }
  return scripts
}
