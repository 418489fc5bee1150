/** A gossip message of the model: below both the overlay, which carries it, and the validation waits, which park it. */
export interface ModelMessage {
  id: number
  bytes: number
  valid: boolean
  origin: number
  publishedAt: number
  /** application payload the job model reads */
  payload?: unknown
}
