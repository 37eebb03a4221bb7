import { Body, Controller, Param } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { JwtClaims } from '../../security/secret-box';
import { CurrentAdmin } from '../auth.guard';
import { Endpoint } from '../endpoint';
import { UsersService } from './users.service';

const routes = adminRoutes.users;

@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.users.list(admin);
  }

  @Endpoint(routes.create)
  create(@CurrentAdmin() admin: JwtClaims, @Body() body: Data<typeof routes.create.body>) {
    return this.users.create(admin, body);
  }

  @Endpoint(routes.update)
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.update.body>,
  ) {
    return this.users.update(admin, id, body);
  }

  @Endpoint(routes.resetPassword)
  resetPassword(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.resetPassword.body>,
  ) {
    return this.users.resetPassword(admin, id, body);
  }

  @Endpoint(routes.revokeSessions)
  revokeSessions(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.users.revokeSessions(admin, id);
  }
}
