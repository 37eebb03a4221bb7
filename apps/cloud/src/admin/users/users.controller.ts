import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { JwtClaims } from '../../security/secret-box';
import { ApiZodBody } from '../api-docs';
import { AdminOnly, CurrentAdmin } from '../auth.guard';
import { ZodPipe } from '../zod-body';
import { createUserSchema, UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: "The organisation's dashboard users" })
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.users.list(admin);
  }

  @AdminOnly()
  @Post()
  @ApiOperation({ summary: 'Add a dashboard user (role admin or viewer); 409 when the e-mail is taken' })
  @ApiZodBody(createUserSchema)
  create(
    @CurrentAdmin() admin: JwtClaims,
    @Body(new ZodPipe(createUserSchema)) body: z.infer<typeof createUserSchema>,
  ) {
    return this.users.create(admin, body);
  }
}
