import { z } from 'zod';
import { adminRole, id, route } from './contract';
import { accountPassword } from './users';

export const loginBody = z.object({
  email: z.string().min(3).max(200),
  password: z.string().min(1).max(200),
});

export const changePasswordBody = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: accountPassword,
});

export const sessionUser = z.object({ id, email: z.string(), role: adminRole });
export type SessionUser = z.input<typeof sessionUser>;

/** A bearer token for `Authorization`, and who it is for. */
export const loginAnswer = z.object({
  token: z.string(),
  expiresInSec: z.number().int(),
  user: sessionUser,
});
export type LoginAnswer = z.input<typeof loginAnswer>;

/** The signed-in user as the cloud sees them now (role from the database, not the token). */
export const signedInUser = sessionUser.extend({ organisationId: id });
export type SignedInUser = z.input<typeof signedInUser>;

export const authRoutes = {
  login: route({
    method: 'POST',
    path: '/api/auth/login',
    tag: 'auth',
    summary:
      'Sign in; returns a bearer token. 401 wrong e-mail or password; 429 (Retry-After) after too many failures for the account or the address; 403 a disabled account',
    public: true,
    body: loginBody,
    response: loginAnswer,
    status: 200,
  }),
  me: route({
    method: 'GET',
    path: '/api/auth/me',
    tag: 'auth',
    summary: 'The signed-in user (role as it is now)',
    response: signedInUser,
  }),
  changePassword: route({
    method: 'POST',
    path: '/api/auth/password',
    tag: 'auth',
    summary:
      'Change your own password (needs the current one); every other session ends, the answer has a new token for this one',
    body: changePasswordBody,
    response: loginAnswer,
    status: 200,
  }),
  logoutAll: route({
    method: 'POST',
    path: '/api/auth/logout-all',
    tag: 'auth',
    summary: 'Log out everywhere: every token of yours stops working, this one included',
    response: null,
  }),
};
