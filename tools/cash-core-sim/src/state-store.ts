import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { SimState } from './register-state';

export const STATE_FILE_NAME = 'cash-core-state.json';

/**
 * The register's memory on disk: one JSON file, replaced atomically (write a temp file, fsync,
 * rename). The server saves before it answers, so an answer lost on the wire never means a lost
 * document — exactly the situation a driver has to reconcile.
 */
export class StateStore {
  readonly path: string;
  private writes = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, STATE_FILE_NAME);
  }

  load(): SimState | null {
    if (!existsSync(this.path)) return null;
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as SimState;
    if (parsed.version !== 1 || !Array.isArray(parsed.kkms)) {
      throw new Error(`${this.path}: not a cash-core-sim state file`);
    }
    return parsed;
  }

  save(state: SimState): void {
    const temp = `${this.path}.${process.pid}.${++this.writes}.tmp`;
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
  }
}
