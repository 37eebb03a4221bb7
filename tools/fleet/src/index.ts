export * from './bounded';
export * from './fake-register';
export * from './fleet-journal';
export * from './fleet-agent';
export * from './fleet';
export * from './enroll-fleet';
