export * from './ikkm-driver';
export * from './ikkm-client';
export * from './ikkm-tables';
