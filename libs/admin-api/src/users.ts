import { z } from 'zod';
import { adminRole, id, isoDateTime, route, someChange } from './contract';

/** The password rule for every dashboard account: at least 8 characters (as the first admin's). */
export const accountPassword = z.string().min(8, 'password: at least 8 characters').max(200);

export const createUserBody = z.object({
  email: z.email().max(200),
  password: accountPassword,
  role: adminRole,
});

export const updateUserBody = z
  .object({
    role: adminRole.optional(),
    disabled: z
      .boolean()
      .optional()
      .describe('true: the user cannot sign in and every token of theirs stops working'),
  })
  .refine(someChange, 'nothing to change');

export const resetPasswordBody = z.object({ password: accountPassword });

export const userView = z.object({
  id,
  email: z.string(),
  role: adminRole,
  createdAt: isoDateTime,
  disabled: z.boolean(),
  disabledAt: isoDateTime.nullable(),
  /** Null until the password is changed or reset after the account was made. */
  passwordChangedAt: isoDateTime.nullable(),
});
export type UserView = z.input<typeof userView>;

export const userRoutes = {
  list: route({
    method: 'GET',
    path: '/api/users',
    tag: 'users',
    summary: "The organisation's dashboard users (with disabled, passwordChangedAt)",
    response: z.array(userView),
  }),
  create: route({
    method: 'POST',
    path: '/api/users',
    tag: 'users',
    summary: 'Add a dashboard user (role admin or viewer); 409 when the e-mail is taken',
    adminOnly: true,
    body: createUserBody,
    response: userView,
  }),
  update: route({
    method: 'PATCH',
    path: '/api/users/:id',
    tag: 'users',
    summary:
      "Change a user's role or disable / enable them (a disabled user's tokens stop working at once); 409 LAST_ADMIN for the last active admin, 409 SELF to disable yourself",
    adminOnly: true,
    body: updateUserBody,
    response: userView,
  }),
  resetPassword: route({
    method: 'POST',
    path: '/api/users/:id/password',
    tag: 'users',
    summary: "Set another user's password (≥ 8 characters); their sessions end",
    adminOnly: true,
    body: resetPasswordBody,
    response: userView,
    status: 200,
  }),
  revokeSessions: route({
    method: 'POST',
    path: '/api/users/:id/revoke-sessions',
    tag: 'users',
    summary: 'End every session of a user: all their tokens stop working',
    adminOnly: true,
    response: userView,
    status: 200,
  }),
};
