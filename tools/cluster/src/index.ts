export * from './cluster-world';
export * from './haproxy';
