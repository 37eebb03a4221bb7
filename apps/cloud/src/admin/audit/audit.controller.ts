import { Controller, Query } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { JwtClaims } from '../../security/secret-box';
import { CurrentAdmin } from '../auth.guard';
import { Endpoint } from '../endpoint';
import { AuditEntries } from './audit-entries.service';

const routes = adminRoutes.audit;

@Controller()
export class AuditController {
  constructor(private readonly entries: AuditEntries) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims, @Query() query: Data<typeof routes.list.query>) {
    return this.entries.list(admin, query);
  }
}
