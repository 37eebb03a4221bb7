import { Body, Controller, Param, Query } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import { CurrentAdmin } from '../admin/auth.guard';
import { Endpoint } from '../admin/endpoint';
import type { JwtClaims } from '../security/secret-box';
import { PosKeysAdminService } from './pos-keys.service';

const routes = adminRoutes.posKeys;

@Controller()
export class PosKeysController {
  constructor(private readonly posKeys: PosKeysAdminService) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims, @Query() query: Data<typeof routes.list.query>) {
    return this.posKeys.list(admin, query);
  }

  @Endpoint(routes.create)
  create(@CurrentAdmin() admin: JwtClaims, @Body() body: Data<typeof routes.create.body>) {
    return this.posKeys.create(admin, body);
  }

  @Endpoint(routes.revoke)
  revoke(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.posKeys.revoke(admin, id);
  }
}
