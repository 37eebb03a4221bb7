import { Body, Controller, Param } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import { CurrentAdmin } from '../admin/auth.guard';
import { Endpoint } from '../admin/endpoint';
import type { JwtClaims } from '../security/secret-box';
import { OperatorsService } from './operators.service';

const routes = adminRoutes.operators;

@Controller()
export class OperatorsController {
  constructor(private readonly operators: OperatorsService) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.operators.list(admin);
  }

  @Endpoint(routes.create)
  create(@CurrentAdmin() admin: JwtClaims, @Body() body: Data<typeof routes.create.body>) {
    return this.operators.create(admin, body);
  }

  @Endpoint(routes.update)
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.update.body>,
  ) {
    return this.operators.update(admin, id, body);
  }

  @Endpoint(routes.resetPin)
  resetPin(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.resetPin.body>,
  ) {
    return this.operators.resetPin(admin, id, body);
  }

  @Endpoint(routes.remove)
  async remove(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string): Promise<void> {
    await this.operators.remove(admin, id);
  }
}
