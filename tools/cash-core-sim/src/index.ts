export { startCashCoreSimulator, CashCoreSimulator } from './server';
export type { CashCoreSimulatorOptions, RunningCashCoreSimulator } from './server';
export { RESPONSE_CODES, CashCoreError, responseCodeName } from './response-codes';
export type { ResponseCode, ResponseCodeName } from './response-codes';
export type { Fault, FaultKind } from './faults';
export type { JournalEntry, JournalKind } from './register-state';
export { OFD_LIST } from './register-state';
export { STATE_FILE_NAME } from './state-store';
export { KAZAKHSTAN_UTC_OFFSET_MINUTES } from './register-time';
