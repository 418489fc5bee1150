/**
 * Code points that must not reach a terminal or a display as they are: C0 controls (ESC opens
 * terminal escape sequences, CR and BS overwrite what was printed), DEL, C1 controls (0x9B is a
 * one-byte CSI on many terminals), the bidi embeddings and overrides U+202A–U+202E and isolates
 * U+2066–U+2069 (they show "evil\u202Efdp.exe" as "evilexe.pdf"), and lone surrogates (not text;
 * UTF-8 turns them into U+FFFD anyway).
 */
export function isUnsafeCodePoint (cp: number): boolean {
  return cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xd800 && cp <= 0xdfff)
}
