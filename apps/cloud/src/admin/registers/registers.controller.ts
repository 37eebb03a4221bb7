import { Body, Controller, Param, Query } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { JwtClaims } from '../../security/secret-box';
import { CurrentAdmin } from '../auth.guard';
import { Endpoint } from '../endpoint';
import { ShiftsService } from '../shifts/shifts.service';
import { RegisterCommands } from './register-commands.service';
import { RegistersService } from './registers.service';

const routes = adminRoutes.registers;

@Controller()
export class RegistersController {
  constructor(
    private readonly registers: RegistersService,
    private readonly commands: RegisterCommands,
    private readonly shifts: ShiftsService,
  ) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims, @Query() query: Data<typeof routes.list.query>) {
    return this.registers.list(admin, query);
  }

  @Endpoint(routes.get)
  get(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.registers.get(admin, id);
  }

  @Endpoint(routes.create)
  create(@CurrentAdmin() admin: JwtClaims, @Body() body: Data<typeof routes.create.body>) {
    return this.registers.create(admin, body);
  }

  @Endpoint(routes.update)
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.update.body>,
  ) {
    return this.registers.update(admin, id, body);
  }

  @Endpoint(routes.command)
  async command(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.command.body>,
  ) {
    return this.commands.run(admin, await this.registers.findRow(admin, id), body);
  }

  @Endpoint(routes.shifts)
  async shiftsOf(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    const register = await this.registers.findRow(admin, id);
    return this.shifts.ofRegister(register.id);
  }

  @Endpoint(routes.deviceOperators)
  async deviceOperators(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.commands.deviceOperators(admin, await this.registers.findRow(admin, id));
  }
}
