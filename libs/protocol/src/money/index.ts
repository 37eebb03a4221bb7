export * from './decimal';
export * from './minor-units';
export * from './ws-money';
export * from './sale-money';
export * from './cash-core-money';
export * from './ikkm-money';
