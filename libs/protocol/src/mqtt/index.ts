export * from './topics';
export * from './envelopes';
