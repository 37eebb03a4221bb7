export * from './json-guard';
export * from './lenient';
