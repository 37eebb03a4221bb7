import { EventEmitter } from 'node:events';

/** What changed, for the live admin feed (socket.io /admin) and anything else that listens. */
export type CloudEventMap = {
  'register.state': [{ organisationId: string; registerId: string; state: Record<string, unknown> }];
  'agent.state': [{ organisationId: string; agentId: string; online: boolean; at: string }];
  'document.changed': [
    { organisationId: string; registerId: string; documentId: string; status: string; kind: string },
  ];
  'shift.changed': [{ organisationId: string; registerId: string; shiftNumber: number }];
};

/** The in-process event bus; one instance per cloud. */
export class CloudEvents extends EventEmitter<CloudEventMap> {}
