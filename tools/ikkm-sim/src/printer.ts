/**
 * The paper the device prints, kept in memory for tests (`GET /_sim/printer`). It is not part of
 * the persisted state: paper is not memory, and the seed says the last document cannot be
 * reprinted after a restart ("-7 означает что iKKM был перезагружен").
 */

export type PrintSource = 'receipt' | 'deposit' | 'withdraw' | 'zreport' | 'xreport' | 'apiprint' | 'reprint';

export interface PrintedDocument {
  at: number;
  source: PrintSource;
  lines: string[];
  /** `--cut--` lines honoured (external printer only). */
  cuts: number;
  /** `--open-cash--` honoured (external printer only). */
  cashDrawerOpened: boolean;
}

/** Seed: 24 characters in the normal font on the built-in printer, 42 on an 80 mm external one. */
export const LINE_WIDTH = { internal: 24, external: 42 } as const;

const KEEP_DOCUMENTS = 500;

export class Printer {
  private documents: PrintedDocument[] = [];

  print(document: PrintedDocument): void {
    this.documents.push(document);
    if (this.documents.length > KEEP_DOCUMENTS)
      this.documents.splice(0, this.documents.length - KEEP_DOCUMENTS);
  }

  list(): readonly PrintedDocument[] {
    return this.documents;
  }

  clear(): void {
    this.documents = [];
  }
}

/**
 * `/apiprint` text → printed lines. `--line--` prints a horizontal line; `--cut--` and
 * `--open-cash--` drive an external printer's cutter and cash drawer ("Если вы используете
 * внешний принтер с отрезчиком бумаги…"), the built-in printer has neither and skips them.
 */
export function renderPrintText(
  text: string,
  mode: 'internal' | 'external',
): { lines: string[]; cuts: number; cashDrawerOpened: boolean } {
  const lines: string[] = [];
  let cuts = 0;
  let cashDrawerOpened = false;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const command = line.trim();
    if (command === '--line--') lines.push('-'.repeat(LINE_WIDTH[mode]));
    else if (command === '--cut--') cuts += mode === 'external' ? 1 : 0;
    else if (command === '--open-cash--') cashDrawerOpened ||= mode === 'external';
    else lines.push(line);
  }
  return { lines, cuts, cashDrawerOpened };
}
