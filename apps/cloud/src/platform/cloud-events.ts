import { EventEmitter } from 'node:events';
import type { LiveEventData } from '@kassa-relay/admin-api';

/** A live admin event as the cloud raises it: the contract's payload for one organisation. */
type ForOrganisation<K extends keyof LiveEventData> = [LiveEventData[K] & { organisationId: string }];

/** What changed, for the live admin feed (socket.io /admin) and anything else that listens. */
export type CloudEventMap = {
  'register.state': ForOrganisation<'register.state'>;
  'agent.state': ForOrganisation<'agent.state'>;
  'document.changed': ForOrganisation<'document.changed'>;
  'shift.changed': ForOrganisation<'shift.changed'>;
  /** A result the ledger refused to apply (not from the register's agent, or for a final document). */
  'result.ignored': [{ reason: string; commandId: string; agentId: string }];
  /** An admin user's sessions, role or state changed (AdminSessions): live connections re-check. */
  'admin.user.changed': [{ userId: string }];
};

/** The in-process event bus; one instance per cloud. */
export class CloudEvents extends EventEmitter<CloudEventMap> {}
