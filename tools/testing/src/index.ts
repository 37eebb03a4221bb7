export * from './temp-dir';
export * from './child-process';
export * from './test-broker';
export * from './agent-health';
export * from './mosquitto';
export * from './free-port';
export * from './wait-until';
