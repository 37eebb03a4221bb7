// The admin API's answers as docs/admin-api.md describes them. The canonical shapes (shift
// counters, receipt lines, payments, error codes, device warnings) come from the protocol library,
// type-only, so the bundle carries none of its validation code.
import type {
  CanonicalErrorCode,
  CommandResult,
  DeviceWarning,
  OperatorRole,
  Payment,
  ReceiptItem,
  ShiftCounters,
} from '@kassa-relay/protocol';

export type { CanonicalErrorCode, DeviceWarning, OperatorRole, Payment, ReceiptItem, ShiftCounters };

export type Currency = 'KZT' | 'RUB';
export type RegisterKind = 'ikkm' | 'cash-core';
export type AdminRole = 'admin' | 'viewer';
/** `inDoubt`: a fiscal call was sent and it is not proven whether it took effect (never re-sent blindly). */
export type DocumentStatus = 'pending' | 'done' | 'failed' | 'inDoubt';

export interface SessionUser {
  id: string;
  email: string;
  role: AdminRole;
}

export interface LoginAnswer {
  token: string;
  expiresInSec: number;
  user: SessionUser;
}

export interface Store {
  id: string;
  name: string;
  address: string | null;
  timezone: string | null;
  registerCount: number;
  agentCount: number;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  device?: { code: number; text: string; constant?: string };
}

export interface RegisterState {
  reachable: boolean | null;
  shiftOpen: boolean | null;
  shiftNumber: number | null;
  shiftOpenedAt: string | null;
  cashBalance: number | null;
  offlineQueue: number;
  offlineSince: string | null;
  warnings: DeviceWarning[];
  lastError: ApiErrorBody | null;
  updatedAt: string | null;
}

export interface RegisterToday {
  salesSum: number;
  salesCount: number;
  returnsSum: number;
  returnsCount: number;
}

export interface LastDocument {
  id: string;
  kind: string;
  operation: string | null;
  status: DocumentStatus;
  total: number | null;
  fiscalId: string | null;
  requestedAt: string;
}

export interface RegisterView {
  id: string;
  storeId: string;
  storeName: string;
  agentId: string | null;
  agentOnline: boolean;
  kind: RegisterKind;
  name: string;
  currency: Currency;
  serialNumber: string | null;
  registrationNumber: string | null;
  inn: string | null;
  state: RegisterState;
  today: RegisterToday;
  lastDocument: LastDocument | null;
  /** Documents of the register in doubt right now. */
  inDoubt: number;
}

export interface TaxTableEntry {
  percent: number;
  name?: string;
  registerCode?: string;
}

export interface RegisterDetails extends RegisterView {
  device?: Record<string, unknown>;
  taxTable?: TaxTableEntry[];
}

export type RegisterCommandType = 'report.x' | 'shift.close' | 'shift.open' | 'cash.in' | 'cash.out';

export interface CommandAnswer {
  documentId: string;
  status: 'done' | 'failed' | 'pending' | 'inDoubt';
  result?: Partial<CommandResult>;
  error?: ApiErrorBody;
}

export interface Shift {
  id: string;
  registerId: string;
  registerName?: string;
  currency?: Currency;
  number: number;
  openedAt: string | null;
  closedAt: string | null;
  sumSales: number;
  sumReturns: number;
  countSales: number;
  countReturns: number;
  sumInsert: number;
  sumRemove: number;
  cashBalance: number | null;
  zReport: Partial<ShiftCounters> | null;
}

export interface DocumentView {
  id: string;
  registerId: string;
  registerName: string;
  storeId: string;
  storeName: string;
  currency: Currency;
  kind: string;
  operation: string | null;
  status: DocumentStatus;
  total: number | null;
  fiscalId: string | null;
  checkNumber: number | null;
  documentNumber: number | null;
  shiftNumber: number | null;
  originChannel: string;
  originActor: string | null;
  requestedAt: string;
  completedAt: string | null;
  doubtSince: string | null;
}

export interface DoubtEvidence {
  at: string;
  text: string;
}

/** What the agent reported about a document in doubt. */
export interface DocumentDoubt {
  since: string | null;
  attempts: number | null;
  /** `deviceKey`: the iKKM wants its current web-api key; `operator`: a person has to decide. */
  needs: 'deviceKey' | 'operator' | null;
  /** Latest first. */
  evidence: DoubtEvidence[];
  updatedAt: string | null;
}

export type ResolveDecision = 'done' | 'notDone';

/** An operator's decision on a document that was in doubt. */
export interface DocumentResolution {
  decision: ResolveDecision;
  by: string;
  at: string;
  note: string | null;
}

export interface DocumentDetails extends DocumentView {
  items: ReceiptItem[] | null;
  payments: Payment[] | null;
  change: number | null;
  qrPayload: string | null;
  error: ApiErrorBody | null;
  deviceAnswer: unknown;
  deviceMs: number | null;
  doubt: DocumentDoubt | null;
  resolution: DocumentResolution | null;
}

/** `POST /api/documents/:id/resolve`: the decided document and how its agent took the decision. */
export interface ResolveAnswer extends DocumentDetails {
  resolveCommand: {
    documentId: string | null;
    status: 'done' | 'failed' | 'pending' | 'notSent';
    error?: { code: string; message: string };
  };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SalesBucket {
  start: string;
  salesSum: number;
  salesCount: number;
  returnsSum: number;
  returnsCount: number;
}

export interface SalesReport {
  period: 'day' | 'month';
  buckets: SalesBucket[];
}

export interface OperatorRegisterLink {
  registerId: string;
  registerName: string;
  registerCode: number | null;
  syncedAt: string | null;
}

export interface OperatorView {
  id: string;
  name: string;
  role: OperatorRole;
  hasPin: boolean;
  registers: OperatorRegisterLink[];
  syncErrors?: { registerId: string; message: string }[];
}

export interface AgentView {
  id: string;
  name: string;
  storeId: string;
  storeName: string;
  online: boolean;
  version: string | null;
  lastSeenAt: string | null;
  journalDepth: number | null;
  /** Commands the agent has in doubt (its last heartbeat). */
  inDoubt: number | null;
  alerts: unknown[];
  registerIds: string[];
  disabled: boolean;
}

export interface EnrollmentTokenCreated {
  id: string;
  token: string;
  expiresAt: string;
  command: string;
}

export interface EnrollmentToken {
  id: string;
  storeId: string;
  name: string | null;
  expiresAt: string;
  usedAt: string | null;
  agentId: string | null;
}

export interface PosKeyView {
  id: string;
  registerId: string;
  registerName: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface PosKeyCreated extends PosKeyView {
  key: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
}

/** socket.io `/admin` events. */
export interface LiveEvents {
  'register.state': { registerId: string; state: RegisterState };
  'agent.state': { agentId: string; online: boolean; at: string };
  'document.changed': { registerId: string; documentId: string; status: DocumentStatus; kind: string };
  'shift.changed': { registerId: string; shiftNumber: number };
}
