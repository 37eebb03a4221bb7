import { existsSync } from 'node:fs';
import type { RegisterView, Wire, createRegisterBody } from '@kassa-relay/admin-api';
import type { AdminApi } from '@kassa-relay/testing';
import { type DemoFile, type DemoPaths, type LauncherState, type RegisterKind, writeDemoFile } from './state';

export interface DemoSeedTargets {
  ikkm: { url: string; key: string };
  cashCore: { url: string; pin: string };
}

const STORE = { name: 'Демо-магазин', address: 'Алматы, пр. Абая, 1', timezone: 'Asia/Almaty' };
const TAX_TABLE = [{ percent: 12, name: 'НДС 12%' }];
const REGISTER_NAMES: Record<RegisterKind, string> = {
  ikkm: 'Касса 1 (iKKM)',
  'cash-core': 'Касса 2 (cash core)',
};

/**
 * The demo organisation, created the way an office creates it — through the admin API — and an
 * agent enrolled the way a store PC is. Each step first looks for what an interrupted first run
 * may already have made, so running it again never makes a second store or register.
 */
export async function seedDemo(options: {
  api: AdminApi;
  state: LauncherState;
  paths: DemoPaths;
  targets: DemoSeedTargets;
  enroll(token: string): Promise<void>;
  startAgent(): Promise<void>;
  say(line: string): void;
}): Promise<DemoFile> {
  const { state, paths, targets, say } = options;
  const { api } = options.api;
  const store =
    (await api.stores.list()).find((s) => s.name === STORE.name) ?? (await api.stores.create(STORE));
  const existing = await api.registers.list({ storeId: store.id });
  const register = async (
    kind: RegisterKind,
    device: Wire<typeof createRegisterBody>['device'],
  ): Promise<RegisterView> =>
    existing.find((r) => r.kind === kind && r.name === REGISTER_NAMES[kind]) ??
    (await api.registers.create({
      storeId: store.id,
      name: REGISTER_NAMES[kind],
      currency: 'KZT',
      device,
      taxTable: TAX_TABLE,
    }));
  const registers = [
    await register('ikkm', {
      kind: 'ikkm',
      url: targets.ikkm.url,
      initialKey: targets.ikkm.key,
      acceptsDecimals: true,
    }),
    await register('cash-core', {
      kind: 'cash-core',
      url: targets.cashCore.url,
      accessCode: targets.cashCore.pin,
      kkmOfdId: 6923,
    }),
  ];
  say(`  ✓ store "${STORE.name}" with ${registers.map((r) => r.name).join(' and ')}`);

  if (!existsSync(paths.agentConfig)) {
    // A token spent by an interrupted run bound the registers to an agent that never got its config.
    for (const r of registers.filter((r) => r.agentId !== null))
      await api.registers.update(r.id, { agentId: null });
    const token = await api.agents.createEnrollmentToken({
      storeId: store.id,
      name: 'npm start',
      ttlHours: 1,
    });
    await options.enroll(token.token);
    say('  ✓ agent enrolled (kassa-agent enroll)');
  }
  await options.startAgent();

  const demo: DemoFile = { adminEmail: state.adminEmail, adminPassword: state.adminPassword, registers: [] };
  for (const r of registers) {
    const key = await api.posKeys.create({ registerId: r.id, name: 'Демо POS' });
    demo.registers.push({ id: r.id, kind: r.kind, posKey: key.key });
  }
  writeDemoFile(paths, demo);
  return demo;
}
