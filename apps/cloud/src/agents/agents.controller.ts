import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { AdminOnly, CurrentAdmin, Public } from '../admin/auth.guard';
import { ZodPipe } from '../admin/zod-body';
import type { JwtClaims } from '../security/secret-box';
import { AgentsService } from './agents.service';
import { EnrollmentService, enrollSchema } from './enrollment.service';

@ApiTags('agents')
@Controller('api/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly enrollment: EnrollmentService,
  ) {}

  @Get()
  @ApiBearerAuth()
  list(@CurrentAdmin() admin: JwtClaims) {
    return this.agents.list(admin);
  }

  /** Called by `kassa-agent enroll` on the store PC: the one-time token is its credential. */
  @Public()
  @Post('enroll')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enroll a store agent with a one-time token (no JWT)' })
  @ApiBody({ schema: z.toJSONSchema(enrollSchema) as object })
  enroll(@Body(new ZodPipe(enrollSchema)) body: z.infer<typeof enrollSchema>, @Req() request: Request) {
    return this.enrollment.enroll(body, request.host);
  }

  @AdminOnly()
  @Post(':id/disable')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Disable an agent: its MQTT credentials stop working and it is disconnected' })
  disable(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.agents.disable(admin, id);
  }
}
