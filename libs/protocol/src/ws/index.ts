export * from './ws-frames';
export * from './ws-parse';
export * from './ws-convert';
