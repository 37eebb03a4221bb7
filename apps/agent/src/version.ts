/** Reported in presence, heartbeats and /health. Bumped with each release. */
export const AGENT_VERSION = '0.1.0';
