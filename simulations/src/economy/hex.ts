/** Addresses and 32-byte ids of the simulated economy: a tag byte (the kind of thing) and an index. */
import type { Hex } from '#protocol/messages.ts'

export const address = (tag: number, i: number): Hex => `0x${tag.toString(16).padStart(2, '0')}${i.toString(16).padStart(38, '0')}`
export const bytes32 = (tag: number, i: number): Hex => `0x${tag.toString(16).padStart(2, '0')}${i.toString(16).padStart(62, '0')}`

export const TAG = { member: 0xaa, wallet: 0xee, item: 0x5a, job: 0x10 } as const
