import type { Duplex } from 'node:stream';

export interface PacketLimits {
  /** Bytes a connection may send before it has authenticated (its CONNECT and little else). */
  preAuthBytes: number;
  /** The largest MQTT packet an authenticated client may send. */
  maxPacketBytes: number;
}

export const DEFAULT_PACKET_LIMITS: PacketLimits = {
  preAuthBytes: 16 * 1024,
  maxPacketBytes: 8 * 1024 * 1024,
};

/**
 * Watches what a client sends and cuts the connection before the broker buffers too much of it:
 * the MQTT parser reads a packet's declared length and then waits for all of it, so a stranger
 * announcing a 256 MB packet (or streaming bytes while its CONNECT is being checked) would
 * otherwise hold memory for free. Only the fixed headers are read (packet type byte and the
 * variable-length "remaining length"); the payload bytes are counted, never copied.
 *
 * It observes the socket's `data` events, which Node emits for every chunk the broker `read()`s,
 * so the broker's own reading is untouched.
 */
export function guardMqttConnection(
  socket: Duplex,
  limits: PacketLimits,
  isAuthenticated: () => boolean,
  onViolation: (reason: string) => void,
): void {
  let received = 0;
  /** Bytes of the current packet's payload still to skip. */
  let skipping = 0;
  /** Fixed-header state: 0 = expecting the type byte, >0 = reading remaining-length byte n. */
  let lengthByte = 0;
  let length = 0;
  let multiplier = 1;
  let stopped = false;

  const violate = (reason: string) => {
    if (stopped) return;
    stopped = true;
    onViolation(reason);
    socket.destroy();
  };

  socket.on('data', (chunk: Buffer) => {
    if (stopped) return;
    const authenticated = isAuthenticated();
    if (!authenticated) {
      received += chunk.length;
      if (received > limits.preAuthBytes)
        return violate(`more than ${limits.preAuthBytes} bytes before authentication`);
    }
    const limit = authenticated ? limits.maxPacketBytes : limits.preAuthBytes;
    let offset = 0;
    while (offset < chunk.length) {
      if (skipping > 0) {
        const step = Math.min(skipping, chunk.length - offset);
        skipping -= step;
        offset += step;
        continue;
      }
      const byte = chunk[offset] as number;
      offset += 1;
      if (lengthByte === 0) {
        lengthByte = 1;
        length = 0;
        multiplier = 1;
        continue;
      }
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if (byte & 0x80) {
        lengthByte += 1;
        if (lengthByte > 4) return violate('malformed remaining length');
        continue;
      }
      if (length > limit) return violate(`a ${length}-byte packet (limit ${limit})`);
      lengthByte = 0;
      skipping = length;
    }
  });
}
