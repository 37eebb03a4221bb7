import { isOfdBlockCode } from './answer-codes';
import type { IkkmDevice } from './device';
import type { FaultRegistry } from './faults';
import type { DeviceSettings } from './state';

/**
 * The test-control API under `/_sim` (same port as the device, never answered with -8). The core
 * of it — state, clock, offline, faults, journal, reset — is a contract shared with the cash-core
 * simulator; `/_sim/device` and `/_sim/printer` are iKKM extras.
 */
export interface ControlAnswer {
  status: number;
  body: unknown;
}

const answer = (body: unknown, status = 200): ControlAnswer => ({ status, body });
const badRequest = (error: string): ControlAnswer => answer({ error }, 400);

export async function handleControl(
  context: { device: IkkmDevice; faults: FaultRegistry },
  method: string,
  path: string,
  body: Buffer,
): Promise<ControlAnswer> {
  const { device, faults } = context;
  let json: unknown = {};
  if (body.length > 0) {
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return badRequest('body is not JSON');
    }
  }
  const fields =
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined;
  const route = `${method} ${path.replace(/\/+$/, '')}`;

  switch (route) {
    case 'GET /_sim/state':
      return answer(stateView(device, faults));

    case 'POST /_sim/clock': {
      const advanceMs = fields?.['advanceMs'];
      const set = fields?.['set'];
      if (typeof advanceMs === 'number' && Number.isFinite(advanceMs))
        return answer({ now: await device.setClock({ advanceMs }) });
      if (typeof set === 'number' && Number.isFinite(set))
        return answer({ now: await device.setClock({ set }) });
      return badRequest('expected {"advanceMs": number} or {"set": epoch ms}');
    }

    case 'POST /_sim/offline': {
      const offline = fields?.['offline'];
      if (typeof offline !== 'boolean') return badRequest('expected {"offline": boolean}');
      await device.setOffline(offline);
      return answer({
        offline: device.state.offline,
        offlineSince: device.state.offlineSince,
        now: device.now(),
      });
    }

    case 'POST /_sim/faults': {
      const fault = faults.add(json);
      return typeof fault === 'string' ? badRequest(fault) : answer({ id: fault.id });
    }
    case 'GET /_sim/faults':
      return answer({ faults: faults.list() });
    case 'DELETE /_sim/faults':
      return answer({ cleared: faults.clear() });

    case 'GET /_sim/journal':
      return answer({ entries: device.state.journal });

    case 'POST /_sim/reboot':
      // The device restarts: its in-memory replay and last document are gone, its fiscal memory stays.
      device.reboot();
      return answer({ ok: true, key: device.state.key, now: device.now() });

    case 'POST /_sim/reset':
      faults.clear();
      await device.reset();
      return answer({ ok: true, key: device.state.key, now: device.now() });

    case 'GET /_sim/device':
      return answer({
        settings: device.state.settings,
        cashiers: device.state.cashiers,
        taxes: device.state.taxes,
      });
    case 'POST /_sim/device': {
      if (!fields) return badRequest('expected a JSON object');
      const change = readSettings(fields, device);
      if (typeof change === 'string') return badRequest(change);
      await device.updateSettings(change);
      return answer({ settings: device.state.settings });
    }

    case 'GET /_sim/printer':
      return answer({ documents: device.printer.list() });

    default:
      return answer({ error: `unknown control route ${route}` }, 404);
  }
}

function stateView(device: IkkmDevice, faults: FaultRegistry): Record<string, unknown> {
  const { state } = device;
  const open = device.openShift();
  return {
    now: device.now(),
    offline: state.offline,
    key: state.key,
    shiftOpen: open !== undefined,
    shiftNumber: open?.number ?? state.shifts.at(-1)?.number ?? 0,
    faults: faults.list(),
    // iKKM extras
    initialKey: state.initialKey,
    offlineSince: state.offlineSince,
    clockOffsetMs: state.clockOffsetMs,
    busy: device.isBusy(),
    replayKey: device.replayKey(),
    shiftOpenedAt: open?.openedAt ?? null,
    shiftCashierId: open?.cashierId ?? null,
    lastCheckNumber: state.lastDocumentNumber,
    cashWeHave: state.cashWeHave,
    messagesQueueSize: state.journal.filter((entry) => entry.ofd?.status === 0).length,
    journalSize: state.journal.length,
    settings: state.settings,
    bankLaunches: state.bankLaunches,
  };
}

function readSettings(fields: Record<string, unknown>, device: IkkmDevice): Partial<DeviceSettings> | string {
  const change: Partial<DeviceSettings> = {};
  for (const [name, value] of Object.entries(fields)) {
    switch (name) {
      case 'cashierId':
        if (typeof value !== 'number' || !device.state.cashiers.some((cashier) => cashier.id === value)) {
          return `cashierId must be one of ${device.state.cashiers.map((cashier) => cashier.id).join(', ')}`;
        }
        change.cashierId = value;
        break;
      case 'batteryPerc':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100)
          return 'batteryPerc must be an integer 0…100';
        change.batteryPerc = value;
        break;
      case 'printerReady':
        if (typeof value !== 'boolean') return 'printerReady must be a boolean';
        change.printerReady = value;
        break;
      case 'ofdBlockCode':
        if (value !== null && (typeof value !== 'number' || !isOfdBlockCode(value)))
          return 'ofdBlockCode must be null or -100…-199';
        change.ofdBlockCode = value;
        break;
      case 'bankBusyMs':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
          return 'bankBusyMs must be a non-negative number';
        change.bankBusyMs = value;
        break;
      case 'acceptDecimals':
        if (typeof value !== 'boolean') return 'acceptDecimals must be a boolean';
        change.acceptDecimals = value;
        break;
      case 'printingMode':
        if (value !== 'internal' && value !== 'external')
          return 'printingMode must be "internal" or "external"';
        change.printingMode = value;
        break;
      default:
        return `unknown device setting ${name}`;
    }
  }
  return change;
}
