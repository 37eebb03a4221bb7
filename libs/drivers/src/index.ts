export * from './register-driver';
export * from './http/http-client';
export * from './serial-queue';
export * from './ikkm';
export * from './cash-core';
export * from './device-health';
