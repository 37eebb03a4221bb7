import { Injectable } from '@nestjs/common';
import { canonicalError, type CanonicalError } from '@kassa-relay/protocol';
import { RegisterDirectory } from '../registers/register-directory';
import type { RegisterRoute } from './register-route';
import { PosKeys, type PosPrincipal, presentedPosKey } from './pos-keys';

export type PosAccess =
  | { ok: true; principal: PosPrincipal; route: RegisterRoute; actor: string }
  | { ok: false; error: CanonicalError };

/**
 * One answer to "may this client drive a register, and which one": the POS key's own register.
 * A request that names another register (`?register=`) is refused; a key never crosses over.
 */
@Injectable()
export class PosAccessService {
  constructor(
    private readonly keys: PosKeys,
    private readonly directory: RegisterDirectory,
  ) {}

  async resolve(input: {
    authorization?: string;
    token?: string | null;
    register?: string | null;
  }): Promise<PosAccess> {
    const principal = await this.keys.authenticate(presentedPosKey(input.authorization, input.token));
    if (!principal)
      return { ok: false, error: canonicalError('UNAUTHORIZED', 'неверный или отозванный ключ POS') };
    if (input.register && input.register !== principal.registerId)
      return { ok: false, error: canonicalError('UNAUTHORIZED', 'ключ POS выдан для другой кассы') };
    const entry = await this.directory.find(principal.registerId);
    if (!entry)
      return {
        ok: false,
        error: canonicalError('REGISTER_NOT_CONFIGURED', 'касса ещё не подключена к агенту магазина'),
      };
    // A disabled agent gets nothing: no sale may be queued for a PC the office has cut off.
    if (entry.agentDisabled)
      return {
        ok: false,
        error: canonicalError(
          'AGENT_OFFLINE',
          'агент магазина отключён администратором: касса не принимает операции, пока к ней не подключён другой агент',
        ),
      };
    return { ok: true, principal, route: entry.route, actor: `pos-key:${principal.keyId}` };
  }
}
