import {
  type MethodDefinition,
  callerOf,
  isAdministrator,
  json,
  requireAdministrator,
} from './method-context';
import type { Fields } from './request-fields';
import { OWNER_ID, type OperatorRecord, OperatorRole, type SimState, newAccessToken } from './register-state';
import { CashCoreError } from './response-codes';

/** PINs are digit strings; the seed's examples use four digits ("0000", "5555"). */
export const PIN_PATTERN = /^\d{4,8}$/;

/**
 * `Authorization: <value>` or `Authorization: Bearer <value>`: the value is an operator's PIN or
 * token. Anything else — missing header, unknown value — is `invalid_access_code` (5).
 */
export function authenticate(state: SimState, header: string | undefined): OperatorRecord {
  const value = (header ?? '')
    .trim()
    .replace(/^bearer\s+/i, '')
    .trim();
  if (!value) throw new CashCoreError('invalid_access_code', 'Authorization header is missing');
  const operator =
    state.operators.find((o) => o.accessPin === value) ??
    state.operators.find((o) => o.accessToken === value);
  if (!operator) throw new CashCoreError('invalid_access_code');
  return operator;
}

/** The KKM IDs an operator is bound to: the other side of each register's `bindings`. */
export const operatorBindings = (state: SimState, operatorId: number): number[] =>
  state.kkms.filter((k) => k.operatorIds.includes(operatorId)).map((k) => k.id);

/** Seed 003 `KKMOperatorObject`, fields in the order of the GetOperatorList example. */
export function operatorObject(state: SimState, operator: OperatorRecord) {
  return {
    name: operator.name,
    role: operator.role,
    email: operator.email,
    bindings: operatorBindings(state, operator.id),
    owner_id: operator.ownerId,
    access_pin: operator.accessPin,
    custom_data: operator.customData ?? null,
    ID: operator.id,
  };
}

/** The table writes `ID`, the examples `id`: both are accepted. */
function operatorIdField(fields: Fields): number | undefined {
  return fields.int('ID') ?? fields.int('id');
}

export const getOperatorList: MethodDefinition = {
  name: 'GetOperatorList',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: false,
  handle(ctx) {
    const caller = callerOf(ctx);
    // Cashiers see only themselves; the operator list with PINs is the administrator's.
    const visible = isAdministrator(caller) ? ctx.state.operators : [caller];
    return json(visible.map((o) => operatorObject(ctx.state, o)));
  },
};

export const saveOperator: MethodDefinition = {
  name: 'SaveOperator',
  httpMethods: 'POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    requireAdministrator(ctx);
    const { fields, state } = ctx;
    const id = operatorIdField(fields) ?? 0;
    const existing = id === 0 ? undefined : state.operators.find((o) => o.id === id);
    if (id !== 0 && !existing) throw new CashCoreError('invalid_operator_code', `no operator ${id}`);

    const pin = fields.raw('access_pin');
    if (typeof pin !== 'string' || !PIN_PATTERN.test(pin)) {
      throw new CashCoreError('access_code_incorrect', 'access_pin must be 4 to 8 digits');
    }
    const role = fields.requiredInt('role');
    if (!Object.values(OperatorRole).includes(role as OperatorRole)) {
      throw new CashCoreError('invalid_operator_role', `role ${role} is not 1, 2 or 3`);
    }
    const name = fields.string('name') ?? existing?.name ?? '';
    const email = fields.string('email') ?? existing?.email ?? '';
    const bindings = fields.intList('bindings');
    const customData = fields.has('custom_data') ? fields.raw('custom_data') : (existing?.customData ?? null);

    const others = state.operators.filter((o) => o.id !== id);
    if (others.some((o) => o.accessPin === pin))
      throw new CashCoreError('access_code_already_used', 'PIN is used by another operator');
    if (email && others.some((o) => o.email.toLowerCase() === email.toLowerCase())) {
      throw new CashCoreError('access_code_already_used', 'email is used by another operator');
    }
    if (
      existing &&
      isAdministrator(existing) &&
      role !== OperatorRole.ADMINISTRATOR &&
      !others.some(isAdministrator)
    ) {
      throw new CashCoreError('invalid_operator_role', 'the last administrator cannot lose the role');
    }
    const unknownKkm = bindings?.find((kkmId) => !state.kkms.some((k) => k.id === kkmId));
    if (unknownKkm !== undefined)
      throw new CashCoreError('kkm_invalid_bindings', `no register with ID ${unknownKkm}`);

    let operator: OperatorRecord;
    if (existing) {
      Object.assign(existing, { name, email, accessPin: pin, role, customData });
      operator = existing;
    } else {
      operator = {
        id: state.nextOperatorId++,
        name,
        role: role as OperatorRole,
        email,
        accessPin: pin,
        accessToken: newAccessToken(),
        ownerId: OWNER_ID,
        customData,
      };
      state.operators.push(operator);
    }
    if (bindings) {
      for (const kkm of state.kkms) {
        const bound = bindings.includes(kkm.id);
        const listed = kkm.operatorIds.includes(operator.id);
        if (bound && !listed) kkm.operatorIds.push(operator.id);
        if (!bound && listed) kkm.operatorIds = kkm.operatorIds.filter((o) => o !== operator.id);
      }
    }
    const object = operatorObject(state, operator);
    // The seed's SaveOperator example answers with a lower-case `id`; `ID` is added for symmetry with GetOperatorList.
    return json({
      id: operator.id,
      name: object.name,
      access_pin: object.access_pin,
      role: object.role,
      owner_id: object.owner_id,
      email: object.email,
      bindings: object.bindings,
      custom_data: object.custom_data,
      ID: operator.id,
    });
  },
};

export const deleteOperator: MethodDefinition = {
  name: 'DeleteOperator',
  httpMethods: 'GET/POST',
  auth: true,
  mutates: true,
  handle(ctx) {
    const caller = requireAdministrator(ctx);
    const { state } = ctx;
    const id = operatorIdField(ctx.fields);
    if (id === undefined) throw ctx.fields.error('ID', 'is required');
    const operator = state.operators.find((o) => o.id === id);
    if (!operator) throw new CashCoreError('invalid_operator_code', `no operator ${id}`);
    if (operator.id === caller.id)
      throw new CashCoreError('operator_delete_error', 'an operator cannot delete himself');
    if (isAdministrator(operator) && !state.operators.some((o) => o.id !== id && isAdministrator(o))) {
      throw new CashCoreError('operator_delete_error', 'the last administrator cannot be deleted');
    }
    state.operators = state.operators.filter((o) => o.id !== id);
    for (const kkm of state.kkms) kkm.operatorIds = kkm.operatorIds.filter((o) => o !== id);
    return json('ok');
  },
};
