import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics served at /metrics. */
export function createAgentMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kassa_agent_' });
  return {
    registry,
    commands: new Counter({
      name: 'kassa_agent_commands_total',
      help: 'Commands finished, by type and outcome (done, failed, rejected, expired)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    reconciliations: new Counter({
      name: 'kassa_agent_reconciliations_total',
      help: 'Reconciliations of commands whose outcome was unknown, by verdict (done, notDone, inDoubt)',
      labelNames: ['verdict'] as const,
      registers: [registry],
    }),
    inDoubt: new Gauge({
      name: 'kassa_agent_commands_in_doubt',
      help: 'Commands in doubt: a fiscal call was sent and its outcome is not proven yet',
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'kassa_agent_duplicate_commands_total',
      help: 'Command ids received again (answered from the journal, device not called)',
      registers: [registry],
    }),
    deviceSeconds: new Histogram({
      name: 'kassa_agent_device_seconds',
      help: 'Time spent executing a command on the register',
      labelNames: ['kind', 'type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    journalDepth: new Gauge({
      name: 'kassa_agent_journal_depth',
      help: 'Journal entries not yet acknowledged by the broker',
      registers: [registry],
    }),
    outboxCount: new Gauge({
      name: 'kassa_agent_outbox_results',
      help: 'Results stored and waiting for the broker',
      registers: [registry],
    }),
    linkUp: new Gauge({
      name: 'kassa_agent_link_up',
      help: '1 while connected to the broker',
      registers: [registry],
    }),
    registerReachable: new Gauge({
      name: 'kassa_agent_register_reachable',
      help: '1 when the last status check reached the register',
      labelNames: ['register'] as const,
      registers: [registry],
    }),
  };
}
export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
