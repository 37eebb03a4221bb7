import { Injectable } from '@nestjs/common';
import type { auditPage, Data, pageQuery } from '@kassa-relay/admin-api';
import { Database } from '../../platform/database';
import type { JwtClaims } from '../../security/secret-box';
import { decodeCursor, toPage } from '../keyset';

/** The audit log as the office reads it: newest first, in keyset pages. */
@Injectable()
export class AuditEntries {
  constructor(private readonly database: Database) {}

  async list(admin: JwtClaims, query: Data<typeof pageQuery>): Promise<Data<typeof auditPage>> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.database.prisma.auditLog.findMany({
      where: {
        organisationId: admin.org,
        ...(after
          ? { AND: [{ at: { lte: after.at } }, { OR: [{ at: { lt: after.at } }, { id: { lt: after.id } }] }] }
          : {}),
      },
      select: { id: true, at: true, actor: true, action: true, target: true, details: true },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    return toPage(
      rows,
      query.limit,
      (row) => row.at,
      (row) => row,
    );
  }
}
