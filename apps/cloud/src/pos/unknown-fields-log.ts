import type { Logger } from 'pino';

/** How many (client, field set) pairs are remembered; the oldest is forgotten beyond it. */
export const UNKNOWN_FIELDS_LOG_CAPACITY = 4096;

/**
 * POS requests with fields the seeds do not define are accepted (the fields are ignored); the
 * office learns of it from one log line per client and field set — not one per request. Memory
 * stays bounded: the least recently seen pairs are forgotten first (and logged again if they
 * come back).
 */
export class UnknownFieldsLog {
  private readonly seen = new Map<string, true>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly capacity = UNKNOWN_FIELDS_LOG_CAPACITY,
  ) {}

  /** Logs `fields` unless this client already sent this very set; true when it logged. */
  note(
    client: string,
    channel: string,
    fields: readonly string[],
    context: Record<string, unknown> = {},
  ): boolean {
    if (fields.length === 0) return false;
    const key = `${client}\u0000${channel}\u0000${fields.join('\u0000')}`;
    if (this.seen.has(key)) {
      // Most recently seen last: the map's order is the eviction order.
      this.seen.delete(key);
      this.seen.set(key, true);
      return false;
    }
    this.seen.set(key, true);
    while (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    this.logger.warn(
      { ...context, client, channel, unknownFields: fields },
      `${channel}: the client sends fields the protocol does not define; they are ignored`,
    );
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
