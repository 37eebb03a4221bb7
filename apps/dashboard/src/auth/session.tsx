import type { SessionUser } from '@kassa-relay/admin-api';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { api, configureApi } from '../api/client';

const STORAGE_KEY = 'kassa.session';

interface StoredSession {
  token: string;
  expiresAt: number;
  user: SessionUser;
}

export interface Session {
  user: SessionUser | null;
  token: string | null;
  /** Admins change things; viewers see everything and change nothing. */
  canChange: boolean;
  login(email: string, password: string): Promise<void>;
  logout(): void;
}

function restore(): StoredSession | null {
  try {
    const stored = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? 'null') as StoredSession | null;
    return stored && stored.expiresAt > Date.now() ? stored : null;
  } catch {
    return null;
  }
}

const SessionContext = createContext<Session | null>(null);

/**
 * The signed-in admin. The token lives in localStorage until it expires or the admin signs out;
 * any 401 from the API (expired or revoked token) signs out too.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [stored, setStored] = useState<StoredSession | null>(restore);

  const logout = useCallback(() => {
    window.localStorage.removeItem(STORAGE_KEY);
    setStored(null);
  }, []);

  // Synchronous, before any child fetches: the token must be there on the first request.
  configureApi(() => stored?.token ?? null, logout);

  const login = useCallback(async (email: string, password: string) => {
    const answer = await api.auth.login({ email, password });
    const session = {
      token: answer.token,
      expiresAt: Date.now() + answer.expiresInSec * 1000,
      user: answer.user,
    };
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    setStored(session);
  }, []);

  const value = useMemo<Session>(
    () => ({
      user: stored?.user ?? null,
      token: stored?.token ?? null,
      canChange: stored?.user.role === 'admin',
      login,
      logout,
    }),
    [stored, login, logout],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
