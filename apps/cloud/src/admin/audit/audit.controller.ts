import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodQuery } from '../api-docs';
import { CurrentAdmin } from '../auth.guard';
import { pageQuerySchema } from '../keyset';
import { ZodPipe } from '../zod-body';
import { AuditEntries } from './audit-entries.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/audit')
export class AuditController {
  constructor(private readonly entries: AuditEntries) {}

  @Get()
  @ApiOperation({ summary: 'Who changed what, newest first; keyset pages (cursor = nextCursor)' })
  @ApiZodQuery(pageQuerySchema)
  list(
    @CurrentAdmin() admin: JwtClaims,
    @Query(new ZodPipe(pageQuerySchema)) query: z.infer<typeof pageQuerySchema>,
  ) {
    return this.entries.list(admin, query);
  }
}
