import type { ReactNode } from 'react';

export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1 tabIndex={-1}>{title}</h1>
      {children && <div className="page-header-extra">{children}</div>}
    </header>
  );
}

export function Section({ title, children, id }: { title: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** Viewers see every action, greyed out, with the reason on hover and for screen readers. */
export function viewerHint(canChange: boolean, text: string): { disabled?: boolean; title?: string } {
  return canChange ? {} : { disabled: true, title: text };
}
