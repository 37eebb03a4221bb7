import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceState } from './state';

export const STATE_FILE = 'ikkm-state.json';

/**
 * The device's memory on disk: one JSON file in the state directory, replaced atomically
 * (write a temp file, fsync, rename over the old one), so a crash leaves either the old or the new
 * state and never half of one. The device awaits `save` before it answers, so an operation whose
 * answer a client received — or whose answer was deliberately dropped — is on disk.
 */
export class StateStore {
  readonly file: string;
  private chain: Promise<void> = Promise.resolve();
  private tempCounter = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, STATE_FILE);
  }

  /** The saved state, or undefined for a fresh directory. A damaged file is an error, never a silent reset of a fiscal journal. */
  load(): DeviceState | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new Error(
        `ikkm-sim: ${this.file} is not valid JSON (${(error as Error).message}); remove it to start a new device`,
      );
    }
    if (!isDeviceState(parsed))
      throw new Error(
        `ikkm-sim: ${this.file} is not an ikkm-sim state (version 1); remove it to start a new device`,
      );
    return parsed;
  }

  /**
   * Queues a write of the state as it is now (serialised immediately, so later mutations do not
   * leak into this write). Writes happen one after another; the returned promise settles when
   * this one is on disk.
   */
  save(state: DeviceState): Promise<void> {
    const text = JSON.stringify(state);
    const write = this.chain.then(() => this.writeAtomically(text));
    // A failed write must not poison the writes queued after it.
    this.chain = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every queued write has finished. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async writeAtomically(text: string): Promise<void> {
    const temp = `${this.file}.tmp-${process.pid}-${++this.tempCounter}`;
    try {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await this.syncDirectory();
  }

  /** Makes the rename itself durable; not every platform lets a directory be fsynced. */
  private async syncDirectory(): Promise<void> {
    try {
      const handle = await open(this.dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Best effort (e.g. Windows refuses to open directories).
    }
  }
}

function isDeviceState(value: unknown): value is DeviceState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Partial<DeviceState>;
  return (
    state.version === 1 &&
    typeof state.key === 'string' &&
    Array.isArray(state.journal) &&
    Array.isArray(state.shifts)
  );
}
