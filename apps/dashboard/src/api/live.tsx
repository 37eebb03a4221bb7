import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { type LiveEventName, liveEvents, type LiveEvents } from '@kassa-relay/admin-api';
import { io, type Socket } from 'socket.io-client';

type Listener<K extends LiveEventName> = (payload: LiveEvents[K]) => void;

interface Live {
  connected: boolean;
  subscribe<K extends LiveEventName>(event: K, listener: Listener<K>): () => void;
}

const LiveContext = createContext<Live>({ connected: false, subscribe: () => () => undefined });

// Every event the contract names: one added there is listened to here without a second list.
const EVENTS = Object.keys(liveEvents) as LiveEventName[];

/**
 * One socket.io connection to `/admin` for the signed-in admin; screens subscribe to the events
 * they show. socket.io reconnects by itself; `connected` drives the "live" indicator.
 */
export function LiveProvider({ token, children }: { token: string; children: ReactNode }) {
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Map<LiveEventName, Set<(payload: never) => void>>());

  useEffect(() => {
    // WebSocket from the first packet: behind a load balancer over several cloud instances, HTTP
    // long-polling would need every request of a session on one instance (sticky sessions).
    const socket: Socket = io('/admin', { auth: { token }, transports: ['websocket'] });
    socket.on('connect', () => setConnected(true));
    socket.on('disconnect', () => setConnected(false));
    socket.on('connect_error', () => setConnected(false));
    for (const event of EVENTS)
      socket.on(event, (payload: unknown) => {
        for (const listener of listeners.current.get(event) ?? []) listener(payload as never);
      });
    return () => {
      socket.disconnect();
    };
  }, [token]);

  const subscribe = useCallback(<K extends LiveEventName>(event: K, listener: Listener<K>) => {
    const set = listeners.current.get(event) ?? new Set();
    set.add(listener as (payload: never) => void);
    listeners.current.set(event, set);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }, []);
  const live = useMemo<Live>(() => ({ connected, subscribe }), [connected, subscribe]);
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

export function useLiveConnected(): boolean {
  return useContext(LiveContext).connected;
}

/** Calls `listener` for every `event` while the component is mounted (latest listener wins). */
export function useLiveEvent<K extends LiveEventName>(event: K, listener: Listener<K>): void {
  const live = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  const subscribe = live.subscribe;
  useEffect(() => subscribe(event, (payload) => latest.current(payload)), [subscribe, event]);
}
