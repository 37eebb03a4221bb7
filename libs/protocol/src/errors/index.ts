export * from './canonical-error';
export * from './ikkm-codes';
export * from './cash-core-codes';
export * from './answer-codes';
