import { operatorRoleSchema } from '@kassa-relay/protocol';
import { z } from 'zod';
import { id, isoDateTime, route } from './contract';

const operatorName = z.string().trim().min(1).max(100);
const pin = z.string().regex(/^\d{4,8}$/, 'PIN is 4–8 digits');
const boundRegisterIds = z
  .array(id)
  .max(100)
  .transform((ids) => [...new Set(ids)]);

export const createOperatorBody = z.object({
  name: operatorName,
  role: operatorRoleSchema,
  pin: pin.optional(),
  registerIds: boundRegisterIds.default([]),
});

/** Every field optional, none needed: even an empty change pushes the operator to its registers again. */
export const updateOperatorBody = z.object({
  name: operatorName.optional(),
  role: operatorRoleSchema.optional(),
  pin: pin.optional(),
  /** The whole list: registers left out are unbound (and the operator deleted there). */
  registerIds: boundRegisterIds.optional(),
});

export const resetPinBody = z.object({ pin });

export const operatorRegisterLink = z.object({
  registerId: id,
  registerName: z.string(),
  /** The operator's code on the register (cash-core); null until a sync has found it. */
  registerCode: z.number().int().nullable(),
  syncedAt: isoDateTime.nullable(),
});
export type OperatorRegisterLink = z.input<typeof operatorRegisterLink>;

export const operatorView = z.object({
  id,
  name: z.string(),
  role: operatorRoleSchema,
  /** The PIN itself never leaves the cloud. */
  hasPin: z.boolean(),
  registers: z.array(operatorRegisterLink),
});
export type OperatorView = z.input<typeof operatorView>;

/** A register that could not be brought up to date; the change itself stands. */
export const operatorSyncError = z.object({ registerId: id, message: z.string() });
export type OperatorSyncError = z.input<typeof operatorSyncError>;

/** The answer to a change: the operator as stored, and the registers that did not take it. */
export const operatorSaved = operatorView.extend({ syncErrors: z.array(operatorSyncError) });
export type OperatorSaved = z.input<typeof operatorSaved>;

export const operatorRoutes = {
  list: route({
    method: 'GET',
    path: '/api/operators',
    tag: 'operators',
    summary: "The organisation's cashiers with the registers they are bound to",
    response: z.array(operatorView),
  }),
  create: route({
    method: 'POST',
    path: '/api/operators',
    tag: 'operators',
    summary: 'Create a cashier and push it to the bound cash-core registers',
    adminOnly: true,
    body: createOperatorBody,
    response: operatorSaved,
  }),
  update: route({
    method: 'PATCH',
    path: '/api/operators/:id',
    tag: 'operators',
    summary: 'Change a cashier; re-synced, unbound registers delete it',
    adminOnly: true,
    body: updateOperatorBody,
    response: operatorSaved,
  }),
  resetPin: route({
    method: 'POST',
    path: '/api/operators/:id/reset-pin',
    tag: 'operators',
    summary: "Set a cashier's PIN and push it to the bound cash-core registers",
    adminOnly: true,
    body: resetPinBody,
    response: operatorSaved,
    status: 200,
  }),
  remove: route({
    method: 'DELETE',
    path: '/api/operators/:id',
    tag: 'operators',
    summary: 'Delete a cashier (from the cash-core registers first)',
    adminOnly: true,
    response: null,
  }),
};
