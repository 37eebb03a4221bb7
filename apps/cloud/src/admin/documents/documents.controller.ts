import { Body, Controller, Param, Query, StreamableFile } from '@nestjs/common';
import { adminRoutes, type Data } from '@kassa-relay/admin-api';
import type { JwtClaims } from '../../security/secret-box';
import { CurrentAdmin } from '../auth.guard';
import { Endpoint } from '../endpoint';
import { DocumentsService } from './documents.service';

const routes = adminRoutes.documents;

@Controller()
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Endpoint(routes.list)
  list(@CurrentAdmin() admin: JwtClaims, @Query() query: Data<typeof routes.list.query>) {
    return this.documents.list(admin, query);
  }

  @Endpoint(routes.get)
  get(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    return this.documents.get(admin, id);
  }

  @Endpoint(routes.resolve)
  resolve(
    @CurrentAdmin() admin: JwtClaims,
    @Param('id') id: string,
    @Body() body: Data<typeof routes.resolve.body>,
  ) {
    return this.documents.resolve(admin, id, body);
  }

  @Endpoint(routes.image)
  async image(@CurrentAdmin() admin: JwtClaims, @Param('id') id: string) {
    const png = await this.documents.image(admin, id);
    return new StreamableFile(png, { type: 'image/png', length: png.length });
  }
}
