export { startCashCoreSimulator, CashCoreSimulator } from './server';
export type { CashCoreSimulatorOptions, RunningCashCoreSimulator } from './server';
export { RESPONSE_CODES, CashCoreError, responseCodeName } from './response-codes';
export type { ResponseCode, ResponseCodeName } from './response-codes';
export type { Fault, FaultKind } from './faults';
export type { JournalEntry, JournalKind } from './register-state';
export { OFD_LIST } from './register-state';
export { STATE_FILE_NAME } from './state-store';
export { KAZAKHSTAN_UTC_OFFSET_MINUTES } from './register-time';
export {
  STRICT_READINGS,
  CONVENIENT_READINGS,
  DEFAULT_BUSY,
  TICKET_SUM_READINGS,
  TICKET_PAYMENTS_READINGS,
  PLACEMENT_SUM_READINGS,
  CLOSED_SHIFT_READINGS,
} from './readings';
export type { Readings, BusyBehaviour } from './readings';
