import { jsonDepthExceeds, MAX_JSON_DEPTH } from '@kassa-relay/protocol';
// socket.io's own parser (a dependency of socket.io, always installed with it): only its decoder is wrapped.
import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';

/**
 * What a refused event's payload is replaced with: the handler answers it in the protocol's own
 * words (seed 000 `error: true`, code 1) instead of the packet tearing down the connection.
 */
export class RefusedPayload {
  constructor(readonly reason: string) {}
}

/** Events socket.io itself refuses as event names (socket.io-parser's RESERVED_EVENTS). */
const RESERVED = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

/** `2/pos,17["open_shift",…` → the header and the event name of an EVENT packet, read without parsing the rest. */
const EVENT_HEAD = /^2(\/[^,]{0,200},)?(\d{1,15})?\[\s*("(?:[^"\\]|\\.){1,100}")\s*,/;

/**
 * socket.io-parser's decoder with a depth limit checked on the packet's text before `JSON.parse`:
 * a deeply nested payload used to reach recursive code (our `JSON.stringify` of the frame,
 * socket.io-parser's binary reconstruction) and end in `RangeError: Maximum call stack size
 * exceeded` outside any try/catch — the process died. Now:
 * - an EVENT whose name can be read is delivered with a `RefusedPayload` (and its ack id), so the
 *   client gets the seed 000 error answer for its event;
 * - anything else too deep is a decode error: socket.io closes that one connection ("parse error").
 */
export class GuardedDecoder extends Decoder {
  constructor() {
    // No binary attachments: no client of ours sends any, and their reconstruction is recursive.
    super({ maxAttachments: 1 });
  }

  override add(chunk: unknown): void {
    if (typeof chunk === 'string' && jsonDepthExceeds(chunk, MAX_JSON_DEPTH)) {
      const head = EVENT_HEAD.exec(chunk);
      const event = head ? (JSON.parse(head[3] as string) as string) : undefined;
      if (!head || !event || RESERVED.has(event))
        throw new Error(`packet nested deeper than ${MAX_JSON_DEPTH} levels`);
      const packet: Packet = {
        type: PacketType.EVENT,
        nsp: head[1] ? head[1].slice(0, -1) : '/',
        data: [event, new RefusedPayload(`вложенность глубже ${MAX_JSON_DEPTH} уровней`)],
        ...(head[2] ? { id: Number(head[2]) } : {}),
      };
      this.emitReserved('decoded', packet);
      return;
    }
    super.add(chunk);
  }
}

/** The parser for `new Server(…, { parser })`: socket.io's own encoder, the guarded decoder. */
export const guardedParser = { Encoder, Decoder: GuardedDecoder };
