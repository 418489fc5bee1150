export interface ClientCommand {
  /** the command without its z prefix and NUL, e.g. "IDSESSION", "INSTREAM" */
  name: string
  /** INSTREAM's reassembled sample */
  body?: Buffer
}

/**
 * Reads what a clamd client sends: z-prefixed NUL-terminated commands, INSTREAM followed by
 * <u32 BE length><bytes> chunks up to a zero length. `onCommand` sees each command once whole;
 * `onInstream` (optional) sees an INSTREAM as soon as its command arrives, before the sample.
 */
export function clientReader (onCommand: (c: ClientCommand) => void, onInstream?: () => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0)
  let body: Buffer[] | undefined
  return chunk => {
    buffered = Buffer.concat([buffered, chunk])
    for (;;) {
      if (body !== undefined) {
        if (buffered.length < 4) return
        const length = buffered.readUInt32BE(0)
        if (length === 0) {
          onCommand({ name: 'INSTREAM', body: Buffer.concat(body) })
          body = undefined
          buffered = buffered.subarray(4)
          continue
        }
        if (buffered.length < 4 + length) return
        body.push(buffered.subarray(4, 4 + length))
        buffered = buffered.subarray(4 + length)
        continue
      }
      const end = buffered.indexOf(0)
      if (end === -1) return
      const name = buffered.subarray(1, end).toString('latin1')
      buffered = buffered.subarray(end + 1)
      if (name === 'INSTREAM') { body = []; onInstream?.(); continue }
      onCommand({ name })
    }
  }
}
