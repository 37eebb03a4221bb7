export * from './json-guard';
