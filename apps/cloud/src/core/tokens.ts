/** Injection tokens for values that are not classes. */
export const CLOUD_CONFIG = Symbol('CLOUD_CONFIG');
export const LOGGER = Symbol('LOGGER');
