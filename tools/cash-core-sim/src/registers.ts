import {
  type MethodDefinition,
  callerOf,
  isAdministrator,
  json,
  requireAdministrator,
} from './method-context';
import { formatRegisterDate } from './register-time';
import {
  KKM_PER_OWNER_LIMIT,
  type KkmRecord,
  OFD_LIST,
  findKkm,
  generateVendorId,
  kkmObject,
  newRegister,
} from './register-state';
import { CashCoreError } from './response-codes';

/**
 * The methods around the register itself: Ping, the license, the OFD and printer lists, and the
 * registers (GetKKMList, GetVendorId, SaveKKM, DeleteKKM).
 */

export const ping: MethodDefinition = {
  name: 'Ping',
  httpMethods: 'GET/POST',
  auth: false,
  mutates: false,
  handle: () => json('ok'),
};

const LICENSE_KEY_PATTERN = /^[0-9A-F]{4}(-[0-9A-F]{4}){3}$/i;

export const activateLicense: MethodDefinition = {
  name: 'ActivateLicense',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    requireAdministrator(ctx);
    const { fields } = ctx;
    const licenseKey = fields.raw('licenseKey');
    if (typeof licenseKey !== 'string' || !LICENSE_KEY_PATTERN.test(licenseKey)) {
      throw new CashCoreError('invalid_license_key', 'licenseKey must look like A7D3-5CFA-A13F-16C4');
    }
    // Activation is checked online with the vendor: without internet it cannot succeed.
    if (ctx.state.ofdLinkDown)
      throw new CashCoreError('license_online_check_error', 'no internet connection');
    ctx.state.license = {
      licenseKey: licenseKey.toUpperCase(),
      email: fields.string('email') ?? '',
      phone: fields.string('phone') ?? '',
      owner: fields.string('owner') ?? '',
      orgId: fields.string('orgId') ?? '',
      address: fields.string('address') ?? '',
      activatedAt: ctx.now,
    };
    return json('ok');
  },
};

export const getOfdList: MethodDefinition = {
  name: 'GetOFDList',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: false,
  handle: () => json(OFD_LIST.map(({ uid, name }) => ({ uid, name }))),
};

/** Seed 003's GetPrinterList example (a Windows-only method; the simulator pretends to be on Windows). */
export const PRINTERS = [
  { ID: 1, name: 'COM3', type: 1 },
  { ID: 5, name: 'Microsoft XPS Document Writer', type: 2 },
  { ID: 6, name: 'Microsoft Print to PDF', type: 2 },
  { ID: 7, name: 'Fax', type: 2 },
  { ID: 8, name: '\\\\SERVER\\HP LaserJet Professional M1132 MFP', type: 2 },
  { ID: 9, name: 'RPP-02', type: 3 },
];

export const getPrinterList: MethodDefinition = {
  name: 'GetPrinterList',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: false,
  handle: () => json(PRINTERS),
};

export const getKkmList: MethodDefinition = {
  name: 'GetKKMList',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: false,
  handle(ctx) {
    const caller = callerOf(ctx);
    const ofdId = ctx.fields.int('ofd_id');
    const visible = ctx.state.kkms.filter(
      (k) =>
        (ofdId === undefined || k.ofdId === ofdId) &&
        (isAdministrator(caller) || k.operatorIds.includes(caller.id)),
    );
    return json(visible.map((k) => kkmObject(k, ctx.utcOffsetMinutes, ctx.readings)));
  },
};

const OFD_UID_PATTERN = /^[0-9A-F]{32}$/i;

export const getVendorId: MethodDefinition = {
  name: 'GetVendorId',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: false,
  handle(ctx) {
    requireAdministrator(ctx);
    // The serial only has to be well-formed for the OFD: any 32-hex-digit uid is accepted here
    // (the seed's own example passes one that is not in its GetOFDList example).
    const uid = ctx.fields.string('ofd_uid');
    if (uid !== undefined && uid !== '' && !OFD_UID_PATTERN.test(uid))
      throw new CashCoreError('invalid_ofd_uid', uid);
    return json({
      manufacture_date: formatRegisterDate(ctx.now, ctx.utcOffsetMinutes),
      vendor_id: generateVendorId(ctx.state, ctx.now),
    });
  },
};

function knownOfdUid(uid: string): string {
  const ofd = OFD_LIST.find((o) => o.uid.toLowerCase() === uid.toLowerCase());
  if (!ofd) throw new CashCoreError('invalid_ofd_uid', `${uid} is not in GetOFDList`);
  return ofd.uid;
}

export const saveKkm: MethodDefinition = {
  name: 'SaveKKM',
  httpMethods: 'POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    requireAdministrator(ctx);
    const { fields, state, now } = ctx;
    const ofdId = fields.requiredInt('ofd_id');
    if (ofdId <= 0) throw fields.error('ofd_id', 'must be positive');
    const token = fields.int('ofd_token') ?? 0;
    if (token < 0) throw new CashCoreError('invalid_kkm_token', 'ofd_token must be a positive integer');
    const uidText = fields.string('ofd_uid');
    const ofdUid = uidText ? knownOfdUid(uidText) : undefined;

    const printerFields = fields.object('printer');
    let printer: KkmRecord['printer'] | undefined;
    if (printerFields) {
      const type = printerFields.requiredInt('type');
      if (![1, 2, 3].includes(type)) throw printerFields.error('type', 'must be 1, 2 or 3');
      const name = printerFields.string('name');
      if (name === undefined) throw printerFields.error('name', 'is required');
      printer = { id: printerFields.int('id') ?? 0, name, type };
    }
    const vatFields = fields.object('vat_certificate');
    const vatCertificate = vatFields && {
      series: vatFields.string('series') ?? '',
      number: vatFields.string('number') ?? '',
      is_printable: vatFields.bool('is_printable') ?? false,
    };
    const localName = fields.string('local_name');
    const autoWithdraw = fields.bool('auto_withdraw_money');
    const softwareVpn = fields.bool('use_software_vpn');
    const bindings = fields.intList('bindings');
    const unknownOperator = bindings?.find((id) => !state.operators.some((o) => o.id === id));
    if (unknownOperator !== undefined)
      throw new CashCoreError('kkm_invalid_bindings', `no operator with ID ${unknownOperator}`);

    let kkm = findKkm(state, ofdId);
    if (kkm) {
      if (ofdUid && ofdUid !== kkm.ofdUid && kkm.shiftOpen) {
        throw new CashCoreError('kkm_shift_state_is_opened', 'close the shift before changing the OFD');
      }
    } else {
      // A new register is registered with the OFD: it needs the OFD token and a link.
      if (state.kkms.length >= KKM_PER_OWNER_LIMIT) throw new CashCoreError('kkm_per_owner_limit_exceed');
      if (token === 0)
        throw new CashCoreError('invalid_kkm_credentials', 'a new register needs its ofd_token');
      if (state.ofdLinkDown) throw new CashCoreError('connection_error', 'the OFD is unreachable');
      kkm = newRegister(state, {
        ofdId,
        ofdUid: ofdUid ?? OFD_LIST[0].uid,
        ofdToken: token,
        vendorId: generateVendorId(state, now),
        now,
      });
      state.kkms.push(kkm);
    }
    if (token !== 0) {
      kkm.ofdToken = token;
      kkm.invalidToken = false;
    }
    if (ofdUid) kkm.ofdUid = ofdUid;
    if (printer !== undefined) kkm.printer = printer;
    if (vatCertificate) kkm.vatCertificate = vatCertificate;
    if (localName !== undefined) kkm.localName = localName;
    if (autoWithdraw !== undefined) kkm.autoWithdrawMoney = autoWithdraw;
    if (softwareVpn !== undefined) kkm.useSoftwareVpn = softwareVpn;
    if (fields.value['custom_data'] !== undefined) kkm.customData = fields.value['custom_data'];
    if (bindings) kkm.operatorIds = [...new Set(bindings)];
    return json(kkmObject(kkm, ctx.utcOffsetMinutes, ctx.readings));
  },
};

export const deleteKkm: MethodDefinition = {
  name: 'DeleteKKM',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    requireAdministrator(ctx);
    const { state } = ctx;
    const ofdId = ctx.fields.requiredInt('ofd_id');
    const kkm = findKkm(state, ofdId);
    if (!kkm) throw new CashCoreError('invalid_kkm_ofd_id', `no register ${ofdId}`);
    if (kkm.shiftOpen) throw new CashCoreError('kkm_shift_is_not_closed');
    if (kkm.offlineQueue > 0)
      throw new CashCoreError('kkm_has_offline_queue', `${kkm.offlineQueue} documents not sent`);
    state.kkms = state.kkms.filter((k) => k !== kkm);
    state.transactions = state.transactions.filter((t) => t.kkmOfdId !== ofdId);
    return json('ok');
  },
};
