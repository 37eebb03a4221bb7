import type { Logger } from 'pino';
import type { CloudConfig } from '../config/cloud-config';
import type { PrismaClient } from '../generated/prisma/client';
import { hashSecret } from '../security/secret-hash';

/** The advisory lock the first-admin bootstrap takes (any constant no other code uses). */
const BOOTSTRAP_LOCK = 7_243_001;

/**
 * With KASSA_ADMIN_EMAIL / KASSA_ADMIN_PASSWORD set and no admin in the database yet, creates the
 * organisation and its first admin. Never touches an existing account.
 */
export async function ensureBootstrapAdmin(
  prisma: PrismaClient,
  config: CloudConfig,
  logger: Logger,
): Promise<void> {
  const wanted = config.bootstrapAdmin;
  if (!wanted) return;
  if ((await prisma.adminUser.count()) > 0) return;
  const passwordHash = await hashSecret(wanted.password);
  // Instances started at once (a cluster coming up) all find no admin: the first to take this
  // lock makes the organisation and the admin, the others see them and leave them be.
  const created = await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`;
    if ((await tx.adminUser.count()) > 0) return false;
    const organisation =
      (await tx.organisation.findFirst({ orderBy: { createdAt: 'asc' } })) ??
      (await tx.organisation.create({ data: { name: wanted.organisation } }));
    await tx.adminUser.create({
      data: {
        organisationId: organisation.id,
        email: wanted.email.toLowerCase(),
        passwordHash,
        role: 'admin',
      },
    });
    return true;
  });
  if (created) logger.info({ email: wanted.email }, 'first admin created');
}
