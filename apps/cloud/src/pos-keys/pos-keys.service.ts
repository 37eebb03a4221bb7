import { Injectable, NotFoundException } from '@nestjs/common';
import type { createPosKeyBody, Data, posKeyCreated, posKeysQuery, posKeyView } from '@kassa-relay/admin-api';
import { AuditLog } from '../admin/audit';
import { Database } from '../platform/database';
import { PosKeys } from '../pos/pos-keys';
import { type JwtClaims, tokenHash } from '../security/secret-box';
import { newSecret } from '../security/secret-hash';

/** The visible start of a key: enough to tell keys apart, far too little to guess the rest. */
const PREFIX_LENGTH = 12;

type PosKeyView = Data<typeof posKeyView>;

const keyInclude = { register: { select: { name: true } } } as const;

function toView(row: {
  id: string;
  registerId: string;
  register: { name: string };
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): PosKeyView {
  return {
    id: row.id,
    registerId: row.registerId,
    registerName: row.register.name,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/**
 * POS keys as the office manages them. A key is shown once, at creation; the database keeps only
 * its SHA-256 (what `PosKeys.authenticate` looks up) and a short prefix.
 */
@Injectable()
export class PosKeysAdminService {
  constructor(
    private readonly database: Database,
    private readonly keys: PosKeys,
    private readonly audit: AuditLog,
  ) {}

  async list(admin: JwtClaims, query: Data<typeof posKeysQuery>): Promise<PosKeyView[]> {
    const rows = await this.database.prisma.posKey.findMany({
      where: {
        register: { store: { organisationId: admin.org } },
        ...(query.registerId ? { registerId: query.registerId } : {}),
      },
      include: keyInclude,
      orderBy: { createdAt: 'desc' },
    });
    return rows.map(toView);
  }

  async create(admin: JwtClaims, body: Data<typeof createPosKeyBody>): Promise<Data<typeof posKeyCreated>> {
    const register = await this.database.prisma.register.findFirst({
      where: { id: body.registerId, store: { organisationId: admin.org } },
      select: { id: true },
    });
    if (!register) throw new NotFoundException(`register ${body.registerId} not found`);
    const key = `kr_pos_${newSecret()}`;
    const row = await this.database.prisma.$transaction(async (tx) => {
      const created = await tx.posKey.create({
        data: {
          registerId: register.id,
          name: body.name,
          keyHash: tokenHash(key),
          prefix: key.slice(0, PREFIX_LENGTH),
        },
        include: keyInclude,
      });
      await this.audit.record(
        admin,
        'posKey.create',
        created.id,
        { registerId: created.registerId, name: created.name },
        tx,
      );
      return created;
    });
    return { ...toView(row), key };
  }

  async revoke(admin: JwtClaims, id: string): Promise<PosKeyView> {
    const existing = await this.database.prisma.posKey.findFirst({
      where: { id, register: { store: { organisationId: admin.org } } },
      select: { id: true, revokedAt: true },
    });
    if (!existing) throw new NotFoundException(`POS key ${id} not found`);
    const row = await this.database.prisma.$transaction(async (tx) => {
      const updated = await tx.posKey.update({
        where: { id },
        // Revoking twice keeps the first time.
        data: { revokedAt: existing.revokedAt ?? new Date() },
        include: keyInclude,
      });
      await this.audit.record(admin, 'posKey.revoke', id, { registerId: updated.registerId }, tx);
      return updated;
    });
    // The cache forgets the key and its open /ws and socket.io /pos connections close now.
    this.keys.revoked(id);
    return toView(row);
  }
}
