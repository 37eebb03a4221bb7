import { FAULT_KINDS, type FaultKind, type FaultList } from './faults';
import { type BusyBehaviour, type Readings, applyBusy, applyReadings } from './readings';
import { isJsonObject } from './request-fields';
import { type SimState, findKkm, setRegisterOffline } from './register-state';

/**
 * The control API under `/_sim` for tests (same contract as the iKKM simulator): state, clock,
 * OFD link, faults, journal, reset. Plain JSON, HTTP status 400 for bad input, no auth.
 */
export interface ControlHost {
  readonly state: SimState;
  /** Register clock: real time + `state.clockOffsetMs`. */
  now(): number;
  realNow(): number;
  readonly faults: FaultList;
  persist(): void;
  reset(): void;
  /** Abandons a running call (it never commits), closes connections, reloads the state; how many were abandoned. */
  restart(): number;
  /** The call still running (a delay fault), if any. */
  running(): { method: string; sinceMs: number } | null;
  /** Delayed calls not handled yet, holding the core or still in transit. */
  pendingCalls(): number;
  readings: Readings;
  busy: BusyBehaviour;
}

export interface ControlAnswer {
  status: number;
  body: unknown;
}

const ok = (body: unknown): ControlAnswer => ({ status: 200, body });
const bad = (error: string): ControlAnswer => ({ status: 400, body: { error } });

/** `GET /_sim/state`: the first register at the top level, every register and operator below. */
export function simState(host: ControlHost) {
  const { state } = host;
  const primary = findKkm(state, 6923) ?? state.kkms[0];
  return {
    now: host.now(),
    offline: primary?.offline ?? state.ofdLinkDown,
    shiftOpen: primary?.shiftOpen ?? false,
    shiftNumber: primary?.shiftNumber ?? 0,
    shiftDocumentNumber: primary?.shiftDocumentNumber ?? 0,
    kkmOfdId: primary?.ofdId ?? null,
    /** tiyn */
    cashInDrawer: primary?.cashTiyn ?? 0,
    faults: host.faults.list(),
    readings: { ...host.readings },
    busy: { ...host.busy, running: host.running(), pending: host.pendingCalls() },
    ofdLinkDown: state.ofdLinkDown,
    clockOffsetMs: state.clockOffsetMs,
    journalLength: state.journal.length,
    registers: state.kkms.map((k) => ({
      kkmOfdId: k.ofdId,
      id: k.id,
      offline: k.offline,
      offlineQueue: k.offlineQueue,
      shiftOpen: k.shiftOpen,
      shiftNumber: k.shiftNumber,
      shiftDocumentNumber: k.shiftDocumentNumber,
      shiftOpenedAt: k.shiftOpenMs,
      cashInDrawer: k.cashTiyn,
      revenue: k.revenueTiyn,
      blocked: k.blocked,
      invalidToken: k.invalidToken,
      bindings: [...k.operatorIds],
    })),
    operators: state.operators.map((o) => ({
      id: o.id,
      name: o.name,
      role: o.role,
      accessPin: o.accessPin,
      accessToken: o.accessToken,
    })),
  };
}

function registersFor(host: ControlHost, body: Record<string, unknown>) {
  const ofdId = body['kkmOfdId'];
  if (ofdId === undefined) return host.state.kkms;
  if (typeof ofdId !== 'number') return null;
  const kkm = findKkm(host.state, ofdId);
  return kkm ? [kkm] : null;
}

export function handleControl(
  host: ControlHost,
  method: string,
  path: string,
  rawBody: string,
): ControlAnswer {
  let body: Record<string, unknown> = {};
  if (method === 'POST' || method === 'DELETE') {
    if (rawBody.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody);
      } catch {
        return bad('body is not JSON');
      }
      if (!isJsonObject(parsed)) return bad('body must be a JSON object');
      body = parsed;
    }
  }
  const route = `${method} ${path.replace(/\/+$/, '')}`;

  switch (route) {
    case 'GET /_sim/state':
      return ok(simState(host));

    case 'GET /_sim/journal':
      return ok({ entries: host.state.journal });

    case 'POST /_sim/clock': {
      const { advanceMs, set } = body;
      if (typeof advanceMs === 'number' && Number.isFinite(advanceMs)) host.state.clockOffsetMs += advanceMs;
      else if (typeof set === 'number' && Number.isFinite(set))
        host.state.clockOffsetMs = set - host.realNow();
      else return bad('expected { advanceMs: number } or { set: <ms epoch> }');
      host.persist();
      return ok({ now: host.now() });
    }

    case 'POST /_sim/offline': {
      if (typeof body['offline'] !== 'boolean')
        return bad('expected { offline: boolean, kkmOfdId?: number }');
      const registers = registersFor(host, body);
      if (!registers) return bad('unknown kkmOfdId');
      const offline = body['offline'];
      if (body['kkmOfdId'] === undefined) host.state.ofdLinkDown = offline;
      for (const kkm of registers) setRegisterOffline(kkm, offline, host.now());
      host.persist();
      return ok(simState(host));
    }

    case 'POST /_sim/register': {
      const registers = registersFor(host, body);
      if (!registers) return bad('unknown kkmOfdId');
      const { blocked, blockedInfo, invalidToken } = body;
      if (blocked !== undefined && typeof blocked !== 'boolean') return bad('blocked must be boolean');
      if (blockedInfo !== undefined && typeof blockedInfo !== 'string')
        return bad('blockedInfo must be a string');
      if (invalidToken !== undefined && typeof invalidToken !== 'boolean')
        return bad('invalidToken must be boolean');
      for (const kkm of registers) {
        if (blocked !== undefined) kkm.blocked = blocked;
        if (blockedInfo !== undefined) kkm.blockedInfo = blockedInfo;
        if (invalidToken !== undefined) {
          kkm.invalidToken = invalidToken;
          if (!invalidToken && !kkm.offline) kkm.offlineQueue = 0;
        }
      }
      host.persist();
      return ok(simState(host));
    }

    case 'POST /_sim/faults': {
      const { kind, count = 1, match, delayMs = 0, code = 1, holdsCore = true } = body;
      if (typeof kind !== 'string' || !FAULT_KINDS.includes(kind as FaultKind)) {
        return bad(`kind must be one of ${FAULT_KINDS.join(', ')}`);
      }
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
        return bad('count must be a positive integer');
      if (match !== undefined && (typeof match !== 'string' || match === ''))
        return bad('match must be a method name or a path prefix');
      if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0)
        return bad('delayMs must be >= 0');
      if (typeof code !== 'number' || !Number.isInteger(code))
        return bad('code must be an integer response_code');
      if (typeof holdsCore !== 'boolean') return bad('holdsCore must be boolean');
      const fault = host.faults.add({
        kind: kind as FaultKind,
        remaining: count,
        match: match ?? null,
        delayMs,
        code,
        holdsCore,
      });
      return ok({ id: fault.id });
    }

    case 'DELETE /_sim/faults':
      return ok({ cleared: host.faults.clear() });

    case 'POST /_sim/reset':
      host.reset();
      return ok(simState(host));

    case 'POST /_sim/restart': {
      const abandoned = host.restart();
      return ok({ abandoned, state: simState(host) });
    }

    case 'GET /_sim/readings':
      return ok({ ...host.readings });

    case 'POST /_sim/readings': {
      try {
        host.readings = applyReadings(host.readings, body['readings'] ?? body);
      } catch (error) {
        return bad((error as Error).message);
      }
      return ok({ ...host.readings });
    }

    case 'GET /_sim/busy':
      return ok({ ...host.busy, running: host.running(), pending: host.pendingCalls() });

    case 'POST /_sim/busy': {
      try {
        host.busy = applyBusy(host.busy, body);
      } catch (error) {
        return bad((error as Error).message);
      }
      return ok({ ...host.busy, running: host.running(), pending: host.pendingCalls() });
    }

    default: {
      const single = /^DELETE \/_sim\/faults\/(\d+)$/.exec(route);
      if (single) return ok({ removed: host.faults.remove(Number(single[1])) });
      return { status: 404, body: { error: `no control route ${route}` } };
    }
  }
}
