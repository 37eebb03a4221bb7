import type { Logger } from 'pino';
import type { CloudConfig } from '../config/cloud-config';
import type { PrismaClient } from '../generated/prisma/client';
import { hashSecret } from '../security/secret-hash';

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
  if (await prisma.adminUser.findUnique({ where: { email: wanted.email.toLowerCase() } })) return;
  if ((await prisma.adminUser.count()) > 0) return;
  const organisation =
    (await prisma.organisation.findFirst({ orderBy: { createdAt: 'asc' } })) ??
    (await prisma.organisation.create({ data: { name: wanted.organisation } }));
  await prisma.adminUser.create({
    data: {
      organisationId: organisation.id,
      email: wanted.email.toLowerCase(),
      passwordHash: await hashSecret(wanted.password),
      role: 'admin',
    },
  });
  logger.info({ email: wanted.email }, 'first admin created');
}
