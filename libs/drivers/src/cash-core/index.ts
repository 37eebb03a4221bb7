export * from './cash-core-driver';
export * from './cash-core-client';
export * from './cash-core-receipt';
export * from './cash-core-wire';
export { ticketMismatches, placementMismatches } from './cash-core-match';
export { CashCoreReads, type Read, type FullTransaction } from './cash-core-reads';
