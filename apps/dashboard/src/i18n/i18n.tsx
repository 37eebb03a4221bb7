import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { en } from './en';
import { type MessageKey, ru } from './ru';

export type { MessageKey };
export type Lang = 'ru' | 'en';

const STORAGE_KEY = 'kassa.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { ru, en };
const LOCALES: Record<Lang, string> = { ru: 'ru-RU', en: 'en-GB' };
const CURRENCY_SIGN: Record<string, string> = { KZT: '₸', RUB: '₽' };

export interface Formatters {
  /** Minor units with the register's currency sign: 1234500 KZT → "12 345,00 ₸". */
  money(minor: number | null | undefined, currency?: string | null): string;
  number(value: number | null | undefined): string;
  /** Date and time in the browser's own time zone. */
  dateTime(iso: string | null | undefined): string;
  date(iso: string | null | undefined): string;
  time(iso: string | null | undefined): string;
  /** "21 ч 05 мин" */
  duration(ms: number): string;
  /** "5 минут назад" */
  relative(iso: string | null | undefined, now?: number): string;
}

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** A key built at run time (an enum value from the API); the fallback when it is unknown. */
  tx(key: string, fallback: string, params?: Record<string, string | number>): string;
  fmt: Formatters;
}

function initialLang(): Lang {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  return stored === 'en' || stored === 'ru' ? stored : 'ru';
}

function interpolate(text: string, params?: Record<string, string | number>): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

function formatters(lang: Lang): Formatters {
  const locale = LOCALES[lang];
  const amount = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const plain = new Intl.NumberFormat(locale);
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const dict = dictionaries[lang];
  const valid = (iso: string | null | undefined): Date | null => {
    if (!iso) return null;
    const value = new Date(iso);
    return Number.isNaN(value.getTime()) ? null : value;
  };
  return {
    money(minor, currency) {
      if (minor === null || minor === undefined) return '—';
      const sign = currency ? (CURRENCY_SIGN[currency] ?? currency) : '';
      return `${amount.format(minor / 100)}${sign ? `\u00a0${sign}` : ''}`;
    },
    number: (value) => (value === null || value === undefined ? '—' : plain.format(value)),
    dateTime: (iso) => {
      const value = valid(iso);
      return value ? dateTime.format(value) : '—';
    },
    date: (iso) => {
      const value = valid(iso);
      return value ? date.format(value) : '—';
    },
    time: (iso) => {
      const value = valid(iso);
      return value ? time.format(value) : '—';
    },
    duration(ms) {
      const minutes = Math.max(0, Math.floor(ms / 60_000));
      const hours = Math.floor(minutes / 60);
      const rest = String(minutes % 60).padStart(2, '0');
      return hours > 0
        ? interpolate(dict['time.hoursMinutes'], { h: hours, m: rest })
        : interpolate(dict['time.minutes'], { m: minutes });
    },
    relative(iso, now = Date.now()) {
      const value = valid(iso);
      if (!value) return '—';
      // A moment ago by another clock (the server's, or a screen clock that ticks every few seconds).
      const raw = Math.round((value.getTime() - now) / 1000);
      const seconds = raw > 0 && raw < 60 ? 0 : raw;
      const abs = Math.abs(seconds);
      if (abs < 60) return relative.format(seconds, 'second');
      if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
      if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
      return relative.format(Math.round(seconds / 86_400), 'day');
    },
  };
}

const I18nContext = createContext<I18n | null>(null);

/** Russian by default; the choice is remembered in localStorage. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const dict = dictionaries[lang];
    return {
      lang,
      setLang(next) {
        window.localStorage.setItem(STORAGE_KEY, next);
        setLangState(next);
      },
      t: (key, params) => interpolate(dict[key], params),
      tx: (key, fallback, params) => interpolate(key in dict ? dict[key as MessageKey] : fallback, params),
      fmt: formatters(lang),
    };
  }, [lang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
