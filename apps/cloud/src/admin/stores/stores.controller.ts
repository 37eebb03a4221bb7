import { Body, Controller, Param } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { JwtClaims } from '../../security/secret-box';
import { CurrentAdmin } from '../auth.guard';
import { Endpoint } from '../endpoint';
import { StoresService } from './stores.service';

const routes = adminRoutes.stores;

@Controller()
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.stores.list(admin);
  }

  @Endpoint(routes.create)
  create(@CurrentAdmin() admin: JwtClaims, @Body() body: Data<typeof routes.create.body>) {
    return this.stores.create(admin, body);
  }

  @Endpoint(routes.update)
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.update.body>,
  ) {
    return this.stores.update(admin, id, body);
  }
}
