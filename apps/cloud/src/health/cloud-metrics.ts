import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DocumentLedger, IGNORED_RESULT_REASONS } from '../documents/document-ledger';
import { CloudEvents } from '../platform/cloud-events';
import { Database } from '../platform/database';
import { CommandRelay } from '../relay/command-relay';

/**
 * Prometheus metrics: commands relayed by type and outcome, round-trip latency, agents online,
 * documents in doubt, results the ledger refused.
 */
@Injectable()
export class CloudMetrics {
  private readonly registry = new Registry();
  private readonly sent = new Map<string, { at: number; type: string }>();

  constructor(relay: CommandRelay, ledger: DocumentLedger, events: CloudEvents, database: Database) {
    collectDefaultMetrics({ register: this.registry, prefix: 'kassa_cloud_' });
    const results = new Counter({
      name: 'kassa_cloud_command_results_total',
      help: 'Command results received from agents, by command type and status',
      labelNames: ['type', 'status'],
      registers: [this.registry],
    });
    const roundTrip = new Histogram({
      name: 'kassa_cloud_command_round_trip_seconds',
      help: 'From publishing a command to receiving its result',
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    new Gauge({
      name: 'kassa_cloud_agents_online',
      help: 'Agents whose presence is online (as the database has it: the same on every instance)',
      registers: [this.registry],
      async collect() {
        const count = await database.prisma.agent
          .count({ where: { online: true, disabledAt: null } })
          .catch(() => undefined);
        if (count !== undefined) this.set(count);
      },
    });
    new Gauge({
      name: 'kassa_cloud_documents_in_doubt',
      help: 'Fiscal documents in doubt: a fiscal call was sent and it is not proven whether it took effect',
      registers: [this.registry],
      async collect() {
        // A database that is away must not take /metrics down with it: the last value stays.
        const count = await ledger.countInDoubt().catch(() => undefined);
        if (count !== undefined) this.set(count);
      },
    });
    const ignored = new Counter({
      name: 'kassa_cloud_results_ignored_total',
      help: 'Results not applied: from an agent that does not serve the register, for a final or operator-resolved document, duplicates, unknown commands',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    // Every reason shows from the start (0), so an alert rule can watch it.
    for (const reason of IGNORED_RESULT_REASONS) ignored.inc({ reason }, 0);
    events.on('result.ignored', ({ reason }) => ignored.inc({ reason }));
    relay.on('sent', (envelope) => {
      this.sent.set(envelope.id, { at: performance.now(), type: envelope.command.type });
      if (this.sent.size > 100_000) this.sent.clear();
    });
    relay.on('result', (result) => {
      const type = result.outcome.ok
        ? result.outcome.result.type
        : (this.sent.get(result.commandId)?.type ?? 'unknown');
      results.inc({ type, status: result.status });
      const sent = this.sent.get(result.commandId);
      if (sent) {
        roundTrip.observe({ type: sent.type }, (performance.now() - sent.at) / 1000);
        this.sent.delete(result.commandId);
      }
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
