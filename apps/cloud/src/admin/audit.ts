import { Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { Database } from '../platform/database';
import type { JwtClaims } from '../security/secret-box';

/** Who did what, when: every change through the admin API writes one line. */
@Injectable()
export class AuditLog {
  constructor(private readonly database: Database) {}

  async record(
    admin: Pick<JwtClaims, 'org' | 'email'>,
    action: string,
    target?: string,
    details?: unknown,
    /** A transaction's client, when the entry must commit with the change it describes. */
    client: Pick<PrismaClient, 'auditLog'> = this.database.prisma,
  ): Promise<void> {
    await client.auditLog.create({
      data: {
        organisationId: admin.org,
        actor: admin.email,
        action,
        target: target ?? null,
        ...(details === undefined
          ? {}
          : { details: JSON.parse(JSON.stringify(details)) as Prisma.InputJsonValue }),
      },
    });
  }
}
