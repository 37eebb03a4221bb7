import { type ReactNode, useEffect, useState } from 'react';
import { LiveProvider, useLiveConnected } from './api/live';
import { AgentsPage } from './agents/agents-page';
import { AuditPage } from './audit/audit-page';
import { LoginPage } from './auth/login-page';
import { useSession } from './auth/session';
import { DocumentPage } from './documents/document-page';
import { DocumentsPage } from './documents/documents-page';
import { type MessageKey, useI18n } from './i18n/i18n';
import { OperatorsPage } from './operators/operators-page';
import { OverviewPage } from './overview/overview-page';
import { PosKeysPage } from './pos-keys/pos-keys-page';
import { RegisterPage } from './registers/register-page';
import { Link, matchPath, useLocation } from './router/router';
import { SalesPage } from './sales/sales-page';
import { ShiftsPage } from './shifts/shifts-page';
import { StoresPage } from './stores/stores-page';
import { LanguageSwitch } from './ui/language-switch';
import { Empty } from './ui/state-views';

const NAV: { href: string; label: MessageKey }[] = [
  { href: '/', label: 'nav.overview' },
  { href: '/documents', label: 'nav.documents' },
  { href: '/shifts', label: 'nav.shifts' },
  { href: '/sales', label: 'nav.sales' },
  { href: '/operators', label: 'nav.operators' },
  { href: '/stores', label: 'nav.stores' },
  { href: '/agents', label: 'nav.agents' },
  { href: '/pos-keys', label: 'nav.posKeys' },
  { href: '/audit', label: 'nav.audit' },
];

function route(pathname: string): { page: ReactNode; section: string } {
  const table: [string, (params: Record<string, string>) => ReactNode][] = [
    ['/', () => <OverviewPage />],
    ['/registers/:id', (p) => <RegisterPage id={p.id!} />],
    ['/documents', () => <DocumentsPage />],
    ['/documents/:id', (p) => <DocumentPage id={p.id!} />],
    ['/shifts', () => <ShiftsPage />],
    ['/sales', () => <SalesPage />],
    ['/operators', () => <OperatorsPage />],
    ['/stores', () => <StoresPage />],
    ['/agents', () => <AgentsPage />],
    ['/pos-keys', () => <PosKeysPage />],
    ['/audit', () => <AuditPage />],
  ];
  for (const [pattern, render] of table) {
    const params = matchPath(pattern, pathname);
    if (params) {
      const first = pattern.split('/')[1] ?? '';
      return { page: render(params), section: first === 'registers' ? '/' : `/${first}` };
    }
  }
  return { page: <NotFound />, section: '' };
}

function NotFound() {
  const { t } = useI18n();
  return (
    <Empty>
      <p>{t('error.pageNotFound')}</p>
      <Link href="/">{t('nav.overview')}</Link>
    </Empty>
  );
}

function LiveIndicator() {
  const { t } = useI18n();
  const connected = useLiveConnected();
  return (
    <span className={connected ? 'live live-on' : 'live live-off'} role="status" title={t('live.hint')}>
      <span className="dot" aria-hidden="true" />
      {connected ? t('live.on') : t('live.off')}
    </span>
  );
}

function Shell() {
  const { t } = useI18n();
  const session = useSession();
  const location = useLocation();
  const { page, section } = route(location.pathname);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => {
    setMenuOpen(false);
    // A new page: move focus to its heading so keyboard and screen-reader users start there.
    document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          kassa-relay
        </Link>
        <button
          type="button"
          className="btn menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          {t('nav.menu')}
        </button>
        <div className="topbar-end">
          <LiveIndicator />
          <LanguageSwitch />
          <span className="user" title={session.user?.email}>
            {session.user?.email}
            <span className={`badge badge-${session.canChange ? 'info' : 'muted'}`}>
              {t(session.canChange ? 'role.admin' : 'role.viewer')}
            </span>
          </span>
          <button type="button" className="btn btn-small" onClick={session.logout}>
            {t('nav.logout')}
          </button>
        </div>
      </header>
      <nav id="main-nav" className={menuOpen ? 'nav open' : 'nav'} aria-label={t('nav.label')}>
        <ul>
          {NAV.map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={section === item.href ? 'page' : undefined}>
                {t(item.label)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content">
        {!session.canChange && (
          <p className="alert alert-info viewer-note" role="note">
            {t('role.viewerNote')}
          </p>
        )}
        {page}
      </main>
    </div>
  );
}

export function App() {
  const session = useSession();
  if (!session.token) return <LoginPage />;
  return (
    <LiveProvider token={session.token}>
      <Shell key={session.user?.id} />
    </LiveProvider>
  );
}
