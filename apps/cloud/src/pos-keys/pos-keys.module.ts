import { Module } from '@nestjs/common';
import { AuditLog } from '../admin/audit';
import { PosKeysController } from './pos-keys.controller';
import { PosKeysAdminService } from './pos-keys.service';

/** Admin API: POS keys (see docs/admin-api.md). */
@Module({
  controllers: [PosKeysController],
  providers: [PosKeysAdminService, AuditLog],
})
export class PosKeysAdminModule {}
