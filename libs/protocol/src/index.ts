export * from './money';
export * from './errors';
export * from './canonical';
export * from './ws';
export * from './sale';
export * from './mqtt';
export * from './input';
export * from './register';
