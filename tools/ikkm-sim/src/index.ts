export { startIkkmSimulator, isValidKey, type IkkmSimulator, type IkkmSimulatorOptions } from './simulator';
export { Code as IkkmAnswerCode, shortReason, type ReasonLanguage } from './answer-codes';
export type { JournalEntry, JournalKind, Payments, DeviceSettings } from './state';
export type { FaultKind } from './faults';
