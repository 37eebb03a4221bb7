import { type AnchorHTMLAttributes, type MouseEvent, useCallback, useEffect, useState } from 'react';

// The dashboard routes on the client (the cloud answers every non-API path with index.html);
// a dozen flat routes need no router library.

const CHANGE = 'kassa:navigate';

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
}

function read(): Location {
  return { pathname: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

export function useLocation(): Location {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const changed = () => setLocation(read());
    window.addEventListener('popstate', changed);
    window.addEventListener(CHANGE, changed);
    return () => {
      window.removeEventListener('popstate', changed);
      window.removeEventListener(CHANGE, changed);
    };
  }, []);
  return location;
}

/** `/registers/:id` against a pathname: the parameters, or null when it does not match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = pathname.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    const value = have[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

/**
 * Filters live in the query string, so a filtered list can be bookmarked, shared and survives a
 * reload. Setting replaces the history entry (typing in a filter should not flood "back").
 */
export function useSearchParams(): [URLSearchParams, (next: Record<string, string | null>) => void] {
  const { search } = useLocation();
  const set = useCallback((next: Record<string, string | null>) => {
    const params = new URLSearchParams(window.location.search);
    for (const [name, value] of Object.entries(next)) {
      if (value === null || value === '') params.delete(name);
      else params.set(name, value);
    }
    const text = params.toString();
    navigate(`${window.location.pathname}${text ? `?${text}` : ''}`, { replace: true });
  }, []);
  return [search, set];
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
    window.scrollTo(0, 0);
  };
  return <a href={href} onClick={follow} {...rest} />;
}
