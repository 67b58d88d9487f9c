/**
 * Packed queue messages: the ONE place that decides how events travel through the events queue.
 * A message carries many events (`{"pack":1,"events":[...]}`) because Queues bill per 64 KB of a
 * message written, read and deleted, not per event; a single-event message (the body is the
 * event itself) is still understood, so messages in flight during a deploy are never lost.
 *
 * Limits (Cloudflare Queues): a message ≤ 128 KB, a sendBatch ≤ 100 messages and ≤ 256 KB.
 * We stay well under both: the platform adds per-message metadata we cannot measure here.
 */

/** The body of a packed message. `pack` is the format version. */
export interface EventPack<E = unknown> {
  pack: 1;
  events: E[];
}

/**
 * What this version sends to the events queue: packed messages only. (The consumer also reads
 * single-event bodies, which older versions sent.)
 */
export type EventsQueueBody = EventPack;

/** JSON bytes of one packed message body at most (Queues allow 128 KB). */
export const MAX_PACK_BYTES = 120_000;
/** Messages per sendBatch call (Queues allow 100). */
export const MAX_SEND_MESSAGES = 100;
/** Bytes per sendBatch call (Queues allow 256 KB), counting each message's overhead below. */
export const MAX_SEND_BYTES = 250_000;
/** What we budget per message for the metadata Queues adds (content type, id, timestamps). */
export const MESSAGE_OVERHEAD_BYTES = 256;

/** `{"pack":1,"events":[` + `]}`. */
const ENVELOPE_BYTES = '{"pack":1,"events":[]}'.length;

const encoder = new TextEncoder();

/** Any UTF-16 code unit outside ASCII (surrogates included). */
const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 bytes of `text`: its length when ASCII, encoded only otherwise. */
export const utf8Bytes = (text: string): number =>
  NON_ASCII.test(text) ? encoder.encode(text).byteLength : text.length;

/**
 * UTF-8 bytes of a value's JSON text. ASCII text is one byte per character, so only text with
 * other characters is encoded to be measured: encoding costs ~1 µs an event in workerd, more than
 * the rest of packing, and the gateway's events are ASCII but for rare paths.
 */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value) ?? "null");

/** A packed message as it will be sent, with its size in bytes. */
export interface PackedMessage<E> {
  body: EventPack<E>;
  bytes: number;
}

/**
 * Packs events, in order, into as few messages of ≤ `maxBytes` JSON bytes as possible (greedy:
 * with bounded event sizes this is within one message of optimal). An event too large for any
 * message travels alone: the queue then refuses it and the sender's fallback takes over.
 */
export function packEvents<E>(events: readonly E[], maxBytes: number = MAX_PACK_BYTES): PackedMessage<E>[] {
  const packs: PackedMessage<E>[] = [];
  let current: PackedMessage<E> | null = null;
  for (const event of events) {
    const size = jsonBytes(event);
    // +1 for the comma between events.
    if (current && current.bytes + 1 + size <= maxBytes) {
      current.body.events.push(event);
      current.bytes += 1 + size;
      continue;
    }
    current = { body: { pack: 1, events: [event] }, bytes: ENVELOPE_BYTES + size };
    packs.push(current);
  }
  return packs;
}

/** Groups messages into sendBatch calls of ≤ MAX_SEND_MESSAGES and ≤ MAX_SEND_BYTES. */
export function sendGroups<M extends { bytes: number }>(messages: readonly M[]): M[][] {
  const groups: M[][] = [];
  let group: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.bytes + MESSAGE_OVERHEAD_BYTES;
    if (group.length === MAX_SEND_MESSAGES || (group.length > 0 && bytes + size > MAX_SEND_BYTES)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(message);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** True for a packed message body (as opposed to a single event or anything else). */
export const isPack = (body: unknown): body is EventPack =>
  isRecord(body) && body.pack === 1 && Array.isArray(body.events);

/**
 * The event candidates a message body carries: a pack's events in order, or the body itself
 * (an old single-event message, or garbage that validation will reject).
 */
export const unpack = (body: unknown): unknown[] => (isPack(body) ? body.events : [body]);
