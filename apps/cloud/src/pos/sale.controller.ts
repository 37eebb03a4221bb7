import { Public } from '../admin/auth.guard';
import { Controller, Headers, HttpCode, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  parseSaleRequest,
  SALE_CODE,
  type SaleAnswer,
  saleAnswerForError,
  saleCurrencyRefusal,
  saleErrorAnswer,
} from '@kassa-relay/protocol';
import type { Request } from 'express';
import type { Logger } from 'pino';
import { bodyWasTooLarge, describeLimit, SALE_BODY_LIMIT_BYTES } from '../core/raw-body';
import { LOGGER } from '../core/tokens';
import { PosAccessService } from './pos-access';
import { PosService, saleInternalErrorAnswer } from './pos-service';
import { UnknownFieldsLog } from './unknown-fields-log';

/**
 * Seed 001 `POST /sale`. Every answer is HTTP 200 with the seed's `status` / `code` in the body:
 * a body over its limit is code 2, too deep or malformed code 2, a string PostgreSQL cannot store
 * code 3 naming the field (`parseSaleRequest`), a `currency` other than the register's code 3, a
 * failure inside the cloud code 5. Unknown fields are ignored and logged once per POS key and set.
 */
@ApiTags('pos')
@Public()
@Controller()
export class SaleController {
  private readonly unknownFields: UnknownFieldsLog;

  constructor(
    private readonly access: PosAccessService,
    private readonly pos: PosService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.unknownFields = new UnknownFieldsLog(logger);
  }

  @Post('sale')
  @HttpCode(200)
  @ApiOperation({ summary: 'Fiscalize a sale (seed 001) on the POS key’s register' })
  @ApiBody({ description: 'seed 001 request', schema: { type: 'object' } })
  async sale(
    @Req() request: Request,
    @Headers('authorization') authorization?: string,
    @Query('register') register?: string,
  ): Promise<SaleAnswer> {
    try {
      const access = await this.access.resolve({
        ...(authorization ? { authorization } : {}),
        register: register ?? null,
      });
      if (!access.ok) return saleAnswerForError(access.error);
      if (bodyWasTooLarge(request))
        return saleErrorAnswer(
          SALE_CODE.BAD_JSON,
          `некорректный формат JSON: тело запроса слишком велико (больше ${describeLimit(SALE_BODY_LIMIT_BYTES).replace('MiB', 'МиБ')})`,
        );
      const body = typeof request.body === 'string' ? request.body : '';
      // Read here first for what the POS service does not judge: fields nobody defined (logged
      // once per client and field set) and the register's currency.
      const parsed = parseSaleRequest(body);
      if (!parsed.ok) return parsed.answer;
      this.unknownFields.note(access.principal.keyId, '/sale', parsed.unknownFields, {
        register: access.route.registerId,
      });
      const wrongCurrency = access.route.currency
        ? saleCurrencyRefusal(parsed.request, access.route.currency)
        : undefined;
      if (wrongCurrency) return wrongCurrency;
      return await this.pos.handleSale(access.route, body, access.actor);
    } catch (error) {
      this.logger.error({ err: error }, '/sale failed inside the cloud');
      return saleInternalErrorAnswer();
    }
  }
}
