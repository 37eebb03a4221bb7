import { join } from 'node:path';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { CloudConfig } from '../config/cloud-config';
import { applyMigrations } from '../database/migrate';
import { type LocalPostgres, startLocalPostgres } from '@kassa-relay/postgres-server';
import { createPrismaClient, type PrismaClient } from '../database/prisma-client';

/**
 * The cloud's PostgreSQL: the one named by DATABASE_URL, or an embedded server under the data
 * directory. Migrations are applied before anything else runs.
 */
export class Database implements OnApplicationShutdown {
  private constructor(
    readonly prisma: PrismaClient,
    readonly url: string,
    private readonly server: LocalPostgres | undefined,
    readonly appliedMigrations: string[],
  ) {}

  static async start(config: CloudConfig): Promise<Database> {
    const server = config.database.url
      ? undefined
      : await startLocalPostgres({
          dataDir: join(config.dataDir, 'postgres'),
          port: config.database.embeddedPort,
          ...(config.database.binDir ? { binDir: config.database.binDir } : {}),
        });
    const url = config.database.url ?? server!.url;
    try {
      const applied = await applyMigrations(url);
      return new Database(createPrismaClient(url), url, server, applied);
    } catch (error) {
      server?.stop();
      throw error;
    }
  }

  get embedded(): boolean {
    return this.server !== undefined;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect().catch(() => undefined);
    this.server?.stop();
  }
}
