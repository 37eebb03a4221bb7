export * from './register-config';
