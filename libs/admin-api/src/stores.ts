import { z } from 'zod';
import { id, route, someChange } from './contract';
import { timeZoneSchema } from './time';

const name = z.string().trim().min(1).max(200);
const address = z.string().trim().max(500);

export const createStoreBody = z.object({
  name,
  address: address.optional(),
  timezone: timeZoneSchema.optional(),
});

export const updateStoreBody = z
  .object({
    name: name.optional(),
    /** An empty address clears it. */
    address: address.nullable().optional(),
    timezone: timeZoneSchema.optional(),
  })
  .refine(someChange, 'nothing to change');

export const storeView = z.object({
  id,
  name: z.string(),
  address: z.string().nullable(),
  /** IANA zone: where "today" of the store's registers starts. */
  timezone: z.string(),
  registerCount: z.number().int(),
  /** Agents serving the store (a disabled agent no longer does). */
  agentCount: z.number().int(),
});
export type StoreView = z.input<typeof storeView>;

export const storeRoutes = {
  list: route({
    method: 'GET',
    path: '/api/stores',
    tag: 'stores',
    summary: "The organisation's stores with their register and agent counts",
    response: z.array(storeView),
  }),
  create: route({
    method: 'POST',
    path: '/api/stores',
    tag: 'stores',
    summary: 'Create a store (time zone default Asia/Almaty)',
    adminOnly: true,
    body: createStoreBody,
    response: storeView,
  }),
  update: route({
    method: 'PATCH',
    path: '/api/stores/:id',
    tag: 'stores',
    summary: "Change a store's name, address or time zone",
    adminOnly: true,
    body: updateStoreBody,
    response: storeView,
  }),
};
