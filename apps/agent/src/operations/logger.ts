import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout, one line per event. */
export function createLogger(level: string, agentId: string): Logger {
  return pino({ level, base: { agentId }, timestamp: pino.stdTimeFunctions.isoTime });
}
