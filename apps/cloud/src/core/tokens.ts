/** Injection tokens for values that are not classes. */
export const CLOUD_CONFIG = Symbol('CLOUD_CONFIG');
export const LOGGER = Symbol('LOGGER');
/** The cluster bus (platform/cluster-bus.ts): PostgreSQL LISTEN/NOTIFY, or local only. */
export const CLUSTER_BUS = Symbol('CLUSTER_BUS');
