import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from './helpers';

const repoRoot = resolve(__dirname, '../../..');
const LISTENING = /^ikkm-sim listening on (http:\/\/127\.0\.0\.1:(\d+)) key=(\d+)$/m;

let child: ChildProcess | undefined;
let stateDir: string | undefined;
afterEach(() => {
  if (child?.pid !== undefined && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** npx → tsx → node: the whole chain runs in its own process group, so a signal reaches the simulator itself. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function signalAndWait(signal: NodeJS.Signals): Promise<void> {
  const pid = child?.pid;
  if (pid === undefined) throw new Error('no child');
  process.kill(-pid, signal);
  const deadline = Date.now() + 10_000;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`the simulator did not stop on ${signal}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

interface Started {
  url: string;
  key: string;
  output: () => string;
}

/** Starts the CLI through npx and resolves with the URL and key from its listening line. */
function startCli(args: string[]): Promise<Started> {
  const started = spawn('npx', ['tsx', 'tools/ikkm-sim/src/main.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child = started;
  let output = '';
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveReady({ url: match[1] ?? '', key: match[3] ?? '', output: () => output });
      }
    };
    started.stdout?.on('data', onData);
    started.stderr?.on('data', onData);
    started.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${output}`));
    });
  });
}

describe('CLI (npx tsx tools/ikkm-sim/src/main.ts)', () => {
  it('listens on a free port with --port 0, serves the web-api, and stops cleanly on SIGTERM/SIGINT', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ikkm-sim-cli-'));
    const first = await startCli(['--port', '0', '--key', '33334444', '--state-dir', stateDir]);
    expect(first.key).toBe('33334444');
    const answer = await call(first.url, '/api', { key: first.key, sale: '2920', cash: '3000' }, 'POST');
    expect(answer.status).toBe(200);
    expect(answer.statusText).toBe('1');
    expect(answer.body).toMatch(/^\d{8}$/);

    await signalAndWait('SIGTERM');
    expect(first.output()).toContain('ikkm-sim: SIGTERM, stopping');
    await expect(fetch(`${first.url}/apicheck?key=${answer.body}`)).rejects.toThrow();

    // Started again on the same directory it prints the rotated key.
    const again = await startCli(['--port', '0', '--key', '33334444', '--state-dir', stateDir]);
    expect(again.key).toBe(answer.body);
    await signalAndWait('SIGINT');
    expect(again.output()).toContain('ikkm-sim: SIGINT, stopping');
  });

  it('the simulator process itself exits with code 0 on SIGTERM (tsx started directly); --accept-decimals, --reasons en', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ikkm-sim-cli-'));
    const tsx = spawn(
      join(repoRoot, 'node_modules/.bin/tsx'),
      [
        'tools/ikkm-sim/src/main.ts',
        '--port',
        '0',
        '--key',
        '77778888',
        '--state-dir',
        stateDir,
        '--accept-decimals',
        '--reasons',
        'en',
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = tsx;
    const exited = new Promise<number | null>((resolveExit) => tsx.once('exit', (code) => resolveExit(code)));
    const url = await new Promise<string>((resolveUrl, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), 20_000);
      tsx.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = LISTENING.exec(output);
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1] ?? '');
        }
      });
    });
    expect((await call(url, '/apicheck', { key: '77778888' })).body).toBe('0');
    expect(await call(url, '/apicheck', { key: '12345678' })).toEqual({
      status: 400,
      statusText: 'Wrong web-api key',
      body: '-1',
    });
    expect((await call(url, '/api', { key: '77778888', sale: '10.5', cash: '10.5' }, 'POST')).status).toBe(
      200,
    );
    tsx.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits with a usage message when --key is missing', async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'ikkm-sim-cli-'));
    await expect(startCli(['--port', '0', '--state-dir', stateDir])).rejects.toThrow(/--key is required/);
  });
});
