import { Injectable, NotFoundException } from '@nestjs/common';
import type { agentView, Data } from '@kassa-relay/admin-api';
import { AuditLog } from '../admin/audit';
import { CloudEvents } from '../platform/cloud-events';
import { Database } from '../platform/database';
import { Messaging } from '../platform/messaging';
import { RegisterDirectory } from '../registers/register-directory';
import type { JwtClaims } from '../security/secret-box';

type AgentView = Data<typeof agentView>;

const agentInclude = {
  store: { select: { name: true } },
  registers: { select: { id: true }, orderBy: { createdAt: 'asc' } },
} as const;

/** What the last heartbeat said (LiveState keeps it in `Agent.lastHeartbeat`, alerts as received). */
interface StoredHeartbeat {
  journalDepth?: number;
  inDoubt?: number;
  alerts?: AgentView['alerts'];
}

function toView(row: {
  id: string;
  name: string;
  storeId: string;
  store: { name: string };
  online: boolean;
  version: string | null;
  lastSeenAt: Date | null;
  lastHeartbeat: unknown;
  registers: { id: string }[];
  disabledAt: Date | null;
}): AgentView {
  const heartbeat = (row.lastHeartbeat ?? {}) as StoredHeartbeat;
  return {
    id: row.id,
    name: row.name,
    storeId: row.storeId,
    storeName: row.store.name,
    online: row.online && !row.disabledAt,
    version: row.version,
    lastSeenAt: row.lastSeenAt,
    journalDepth: heartbeat.journalDepth ?? null,
    inDoubt: heartbeat.inDoubt ?? (row.lastHeartbeat ? 0 : null),
    alerts: heartbeat.alerts ?? [],
    registerIds: row.registers.map((r) => r.id),
    disabled: row.disabledAt !== null,
  };
}

/** The organisation's store agents: their live state, and switching one off. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly database: Database,
    private readonly messaging: Messaging,
    private readonly events: CloudEvents,
    private readonly audit: AuditLog,
    private readonly directory: RegisterDirectory,
  ) {}

  async list(admin: JwtClaims): Promise<AgentView[]> {
    const rows = await this.database.prisma.agent.findMany({
      where: { store: { organisationId: admin.org } },
      include: agentInclude,
      orderBy: { createdAt: 'asc' },
    });
    return rows.map(toView);
  }

  /**
   * A disabled agent's broker account goes (the embedded broker's credential lookup refuses it; an
   * external broker with dynamic security loses the account) and its open connection is closed
   * now; the cloud routes nothing to it and accepts nothing from it any more.
   */
  async disable(admin: JwtClaims, id: string): Promise<AgentView> {
    const existing = await this.database.prisma.agent.findFirst({
      where: { id, store: { organisationId: admin.org } },
      select: { id: true, disabledAt: true },
    });
    if (!existing) throw new NotFoundException(`agent ${id} not found`);
    // The change and its audit entry commit together; the broker and the feed hear of it after.
    const row = await this.database.prisma.$transaction(async (tx) => {
      const updated = await tx.agent.update({
        where: { id },
        data: { disabledAt: existing.disabledAt ?? new Date(), online: false },
        include: agentInclude,
      });
      await this.audit.record(admin, 'agent.disable', id, undefined, tx);
      return updated;
    });
    this.directory.forget();
    await this.messaging.accounts.remove(id);
    this.events.emit('agent.state', {
      organisationId: admin.org,
      agentId: id,
      online: false,
      at: new Date().toISOString(),
    });
    return toView(row);
  }
}
