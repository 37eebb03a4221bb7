import { EventEmitter } from 'node:events';

/** What changed, for the live admin feed (socket.io /admin) and anything else that listens. */
export type CloudEventMap = {
  'register.state': [{ organisationId: string; registerId: string; state: Record<string, unknown> }];
  'agent.state': [{ organisationId: string; agentId: string; online: boolean; at: string }];
  'document.changed': [
    { organisationId: string; registerId: string; documentId: string; status: string; kind: string },
  ];
  'shift.changed': [{ organisationId: string; registerId: string; shiftNumber: number }];
  /** A result the ledger refused to apply (not from the register's agent, or for a final document). */
  'result.ignored': [{ reason: string; commandId: string; agentId: string }];
  /** An admin user's sessions, role or state changed (AdminSessions): live connections re-check. */
  'admin.user.changed': [{ userId: string }];
};

/** The in-process event bus; one instance per cloud. */
export class CloudEvents extends EventEmitter<CloudEventMap> {}
