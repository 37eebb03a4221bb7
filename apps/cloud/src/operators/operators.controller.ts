import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentAdmin } from '../admin/auth.guard';
import { ZodPipe } from '../admin/zod-body';
import type { JwtClaims } from '../security/secret-box';
import {
  createOperatorSchema,
  OperatorsService,
  resetPinSchema,
  updateOperatorSchema,
} from './operators.service';

@ApiTags('operators')
@ApiBearerAuth()
@Controller('api/operators')
export class OperatorsController {
  constructor(private readonly operators: OperatorsService) {}

  @Get()
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.operators.list(admin);
  }

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Create a cashier and push it to the bound cash-core registers' })
  @ApiBody({ schema: z.toJSONSchema(createOperatorSchema, { io: 'input' }) as object })
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(createOperatorSchema)) body: z.infer<typeof createOperatorSchema>,
  ) {
    return this.operators.create(admin, body);
  }

  @AdminOnly()
  @Patch(':id')
  @ApiOperation({ summary: 'Change a cashier; re-synced, unbound registers delete it' })
  @ApiBody({ schema: z.toJSONSchema(updateOperatorSchema, { io: 'input' }) as object })
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(updateOperatorSchema)) body: z.infer<typeof updateOperatorSchema>,
  ) {
    return this.operators.update(admin, id, body);
  }

  @AdminOnly()
  @Post(':id/reset-pin')
  @HttpCode(200)
  @ApiBody({ schema: z.toJSONSchema(resetPinSchema) as object })
  resetPin(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(resetPinSchema)) body: z.infer<typeof resetPinSchema>,
  ) {
    return this.operators.resetPin(admin, id, body);
  }

  @AdminOnly()
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a cashier (from the cash-core registers first)' })
  async remove(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string): Promise<void> {
    await this.operators.remove(admin, id);
  }
}
