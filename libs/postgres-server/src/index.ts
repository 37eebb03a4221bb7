export * from './postgres-server';
