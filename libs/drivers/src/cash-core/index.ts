export * from './cash-core-driver';
export * from './cash-core-client';
export * from './cash-core-receipt';
export * from './cash-core-wire';
