export * from './topics';
export * from './envelopes';
export * from './register-setup';
export * from './config-seal';
