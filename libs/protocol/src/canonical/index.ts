export * from './receipt';
export * from './commands';
export * from './results';
export * from './capabilities';
