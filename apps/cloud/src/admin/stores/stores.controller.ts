import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodBody } from '../api-docs';
import { AdminOnly, CurrentAdmin } from '../auth.guard';
import { ZodPipe } from '../zod-body';
import { createStoreSchema, StoresService, updateStoreSchema } from './stores.service';

@ApiTags('stores')
@ApiBearerAuth()
@Controller('api/stores')
export class StoresController {
  constructor(private readonly stores: StoresService) {}

  @Get()
  @ApiOperation({ summary: "The organisation's stores with their register and agent counts" })
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.stores.list(admin);
  }

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Create a store (time zone default Asia/Almaty)' })
  @ApiZodBody(createStoreSchema)
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(createStoreSchema)) body: z.infer<typeof createStoreSchema>,
  ) {
    return this.stores.create(admin, body);
  }

  @AdminOnly()
  @Patch(':id')
  @ApiOperation({ summary: "Change a store's name, address or time zone" })
  @ApiZodBody(updateStoreSchema)
  update(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body(new ZodPipe(updateStoreSchema)) body: z.infer<typeof updateStoreSchema>,
  ) {
    return this.stores.update(admin, id, body);
  }
}
