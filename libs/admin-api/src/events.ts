import { z } from 'zod';
import { documentStatus, id } from './contract';
import { registerStateView } from './registers';

/**
 * socket.io `/admin`: what the dashboard is told live, for the signed-in admin's organisation.
 * Each event is a nudge with enough to update a screen in place; the screen refetches the rest.
 */
export const liveEvents = {
  'register.state': z.object({ registerId: id, state: registerStateView }),
  'agent.state': z.object({
    agentId: id,
    online: z.boolean(),
    /** When the broker saw the agent connect or go (ISO 8601). */
    at: z.string(),
  }),
  /** Also when a heartbeat puts a document in doubt (or its evidence changes), and on a decision. */
  'document.changed': z.object({ registerId: id, documentId: id, status: documentStatus, kind: z.string() }),
  'shift.changed': z.object({ registerId: id, shiftNumber: z.number().int() }),
};

export type LiveEventName = keyof typeof liveEvents;
/** Each live event's payload on the wire (the dashboard's side). */
export type LiveEvents = { [K in LiveEventName]: z.input<(typeof liveEvents)[K]> };
/** Each live event's payload in the cloud's code (dates as `Date`). */
export type LiveEventData = { [K in LiveEventName]: z.output<(typeof liveEvents)[K]> };
