import { agentRoutes, enrollmentRoutes } from './agents';
import { auditRoutes } from './audit';
import { authRoutes } from './auth';
import { documentRoutes } from './documents';
import { operatorRoutes } from './operators';
import { posKeyRoutes } from './pos-keys';
import { registerRoutes } from './registers';
import { reportRoutes } from './reports';
import { shiftRoutes } from './shifts';
import { storeRoutes } from './stores';
import { userRoutes } from './users';

/** Every admin API route, by feature: what the cloud serves and the dashboard's client calls. */
export const adminRoutes = {
  auth: authRoutes,
  users: userRoutes,
  stores: storeRoutes,
  registers: registerRoutes,
  documents: documentRoutes,
  shifts: shiftRoutes,
  reports: reportRoutes,
  audit: auditRoutes,
  agents: agentRoutes,
  operators: operatorRoutes,
  posKeys: posKeyRoutes,
};

/** Every route under `/api`: the admin's, and the store agent's own enrollment (no sign-in). */
export const apiRoutes = { ...adminRoutes, enrollment: enrollmentRoutes };
