import { Injectable, NotFoundException } from '@nestjs/common';
import type { createStoreBody, Data, StoreView, updateStoreBody } from '@kassa-relay/admin-api';
import { Database } from '../../platform/database';
import type { JwtClaims } from '../../security/secret-box';
import { AuditLog } from '../audit';

const storeSelect = {
  id: true,
  name: true,
  address: true,
  timezone: true,
  // A disabled agent no longer serves the store.
  _count: { select: { registers: true, agents: { where: { disabledAt: null } } } },
} as const;

function toView(row: {
  id: string;
  name: string;
  address: string | null;
  timezone: string;
  _count: { registers: number; agents: number };
}): StoreView {
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    timezone: row.timezone,
    registerCount: row._count.registers,
    agentCount: row._count.agents,
  };
}

/** The organisation's stores: where registers stand and agents run; their time zone defines "today". */
@Injectable()
export class StoresService {
  constructor(
    private readonly database: Database,
    private readonly audit: AuditLog,
  ) {}

  async list(admin: JwtClaims): Promise<StoreView[]> {
    const rows = await this.database.prisma.store.findMany({
      where: { organisationId: admin.org },
      select: storeSelect,
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toView);
  }

  async create(admin: JwtClaims, body: Data<typeof createStoreBody>): Promise<StoreView> {
    // The store and its audit entry commit together or not at all.
    const row = await this.database.prisma.$transaction(async (tx) => {
      const created = await tx.store.create({
        data: {
          organisationId: admin.org,
          name: body.name,
          ...(body.address ? { address: body.address } : {}),
          ...(body.timezone ? { timezone: body.timezone } : {}),
        },
        select: storeSelect,
      });
      await this.audit.record(admin, 'store.create', created.id, body, tx);
      return created;
    });
    return toView(row);
  }

  async update(admin: JwtClaims, id: string, body: Data<typeof updateStoreBody>): Promise<StoreView> {
    const existing = await this.database.prisma.store.findFirst({
      where: { id, organisationId: admin.org },
      select: { id: true },
    });
    if (!existing) throw new NotFoundException(`store ${id} not found`);
    const row = await this.database.prisma.$transaction(async (tx) => {
      const updated = await tx.store.update({
        where: { id },
        data: {
          ...(body.name !== undefined ? { name: body.name } : {}),
          // An empty address clears it.
          ...(body.address !== undefined ? { address: body.address || null } : {}),
          ...(body.timezone !== undefined ? { timezone: body.timezone } : {}),
        },
        select: storeSelect,
      });
      await this.audit.record(admin, 'store.update', id, body, tx);
      return updated;
    });
    return toView(row);
  }
}
