export * from './sale-schema';
export * from './sale-convert';
