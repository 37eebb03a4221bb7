import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodBody, ApiZodQuery } from '../api-docs';
import { AdminOnly, CurrentAdmin } from '../auth.guard';
import { ShiftsService } from '../shifts/shifts.service';
import { ZodPipe } from '../zod-body';
import { RegisterCommands } from './register-commands.service';
import {
  createRegisterSchema,
  listRegistersSchema,
  registerCommandSchema,
  updateRegisterSchema,
} from './register-schemas';
import { RegistersService } from './registers.service';

@ApiTags('registers')
@ApiBearerAuth()
@Controller('api/registers')
export class RegistersController {
  constructor(
    private readonly registers: RegistersService,
    private readonly commands: RegisterCommands,
    private readonly shifts: ShiftsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Registers with live state, today’s sales and the last document' })
  @ApiZodQuery(listRegistersSchema)
  list(
    @CurrentAdmin() admin: JwtClaims,
    @Query(new ZodPipe(listRegistersSchema)) query: z.infer<typeof listRegistersSchema>,
  ) {
    return this.registers.list(admin, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One register with its device settings (never a secret) and tax table' })
  get(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.registers.get(admin, id);
  }

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Add a register (iKKM or cash core); its secret is stored encrypted' })
  @ApiZodBody(createRegisterSchema)
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(createRegisterSchema)) body: z.infer<typeof createRegisterSchema>,
  ) {
    return this.registers.create(admin, body);
  }

  @AdminOnly()
  @Patch(':id')
  @ApiOperation({
    summary: 'Change a register; a changed device may leave out its initial key / access code to keep it',
  })
  @ApiZodBody(updateRegisterSchema)
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(updateRegisterSchema)) body: z.infer<typeof updateRegisterSchema>,
  ) {
    return this.registers.update(admin, id, body);
  }

  @AdminOnly()
  @Post(':id/commands')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run an X report, open/close (Z) a shift, cash in/out or register.info; 409 AGENT_OFFLINE',
  })
  @ApiZodBody(registerCommandSchema)
  async command(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(registerCommandSchema)) body: z.infer<typeof registerCommandSchema>,
  ) {
    return this.commands.run(admin, await this.registers.findRow(admin, id), body);
  }

  @Get(':id/shifts')
  @ApiOperation({ summary: "The register's shifts with counters and Z reports, newest first" })
  async shiftsOf(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    const register = await this.registers.findRow(admin, id);
    return this.shifts.ofRegister(register.id);
  }

  @Get(':id/device-operators')
  @ApiOperation({ summary: 'The operators the device itself lists (asks the register: operators.list)' })
  async deviceOperators(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.commands.deviceOperators(admin, await this.registers.findRow(admin, id));
  }
}
