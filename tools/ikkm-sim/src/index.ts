export { startIkkmSimulator, isValidKey, type IkkmSimulator, type IkkmSimulatorOptions } from './simulator';
export { Code as IkkmAnswerCode, shortReason } from './answer-codes';
export type { JournalEntry, JournalKind, Payments, DeviceSettings } from './state';
export type { FaultKind } from './faults';
