export * from './register-driver';
export * from './http/http-client';
