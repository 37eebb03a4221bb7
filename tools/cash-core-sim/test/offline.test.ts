import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Json, type SimHandle, kkm6923, simpleSale, startSim } from './helpers';

let sim: SimHandle;
beforeEach(async () => {
  sim = await startSim();
});
afterEach(async () => {
  await sim.close();
});

describe('offline (autonomous) mode', () => {
  it('documents made without the OFD link are autonomous; the offline number stands in for the fiscal sign', async () => {
    const online = await sim.call('TradeOperation', simpleSale());
    expect(online.response_data.is_offline).toBe(false);
    expect(online.response_data.fiscal_id).toMatch(/^\d{10}$/);

    const state = await sim.control('POST', 'offline', { offline: true });
    expect(state.offline).toBe(true);
    const kkm = await kkm6923(sim);
    expect(kkm.is_offline).toBe(true);
    expect(kkm.offline_start_date).not.toBe('1899-12-30T00:00:00.000');

    const sale = await sim.call('TradeOperation', simpleSale());
    expect(sale.response_code).toBe(0);
    expect(sale.response_data.is_offline).toBe(true);
    expect(sale.response_data.fiscal_id).toBe(String(sale.response_data.body.offline_ticket_number));
    expect(sale.response_data.qr_code).toContain(`i=${sale.response_data.fiscal_id}&`);
    const deposit = await sim.call('MoneyPlacement', { kkm_ofd_id: 6923, operation: 0, sum: 5 });
    expect(deposit.response_data.is_offline).toBe(true);
    expect(deposit.response_data.body.is_offline).toBe(true);

    const x = await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 1 });
    expect(x.response_data.is_offline).toBe(true);
    expect(x.response_data.body.ticket_operationsList[0]).toMatchObject({
      tickets_count: 2,
      offline_count: 1,
    });
    expect(x.response_data.body.money_placementsList[1]).toMatchObject({
      operations_count: 1,
      offline_count: 1,
    });

    const journal = (await sim.control('GET', 'journal')).entries;
    expect(journal.map((e: Json) => e.offline)).toEqual([false, true, true, true]);
    const listed = (await sim.call('GetTransactionList', { kkm_ofd_id: 6923 })).response_data;
    expect(listed.map((t: Json) => t.is_offline)).toEqual([false, true, true, true]);

    // The queue keeps the register from being deleted until the link is back.
    await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 0 });
    expect((await sim.call('DeleteKKM', { ofd_id: 6923 })).response_code).toBe(67);
    await sim.control('POST', 'offline', { offline: false });
    const back = await kkm6923(sim);
    expect(back.is_offline).toBe(false);
    expect(back.offline_end_date).not.toBe('1899-12-30T00:00:00.000');
    expect((await sim.call('TradeOperation', simpleSale())).response_data.is_offline).toBe(false);
  });

  it('more than 72 h offline refuses new documents with 18; a Z report still closes the shift', async () => {
    await sim.call('TradeOperation', simpleSale());
    await sim.control('POST', 'offline', { offline: true });
    await sim.control('POST', 'clock', { advanceMs: 72 * 3600_000 + 1 });
    const refused = await sim.call('TradeOperation', simpleSale());
    expect(refused.response_code).toBe(18);
    expect(refused.response_data).toMatch(/^kkm_in_offline_mode_too_long/);
    expect((await sim.call('ZXReport', { kkm_ofd_id: 6923, report_type: 0 })).response_code).toBe(0);
    await sim.control('POST', 'offline', { offline: false });
    expect((await sim.call('TradeOperation', simpleSale())).response_code).toBe(0);
  });

  it('without internet a new register cannot be registered (20) nor a license activated (93)', async () => {
    await sim.control('POST', 'offline', { offline: true });
    expect((await sim.call('SaveKKM', { ofd_id: 9000, ofd_token: 1 })).response_code).toBe(20);
    expect((await sim.call('ActivateLicense', { licenseKey: 'A7D3-5CFA-A13F-16C4' })).response_code).toBe(93);
  });

  it('offline can target one register; an invalid OFD token also makes documents autonomous', async () => {
    await sim.call('SaveKKM', { ofd_id: 7000, ofd_token: 1 });
    await sim.control('POST', 'offline', { offline: true, kkmOfdId: 7000 });
    expect((await sim.call('TradeOperation', simpleSale())).response_data.is_offline).toBe(false);
    expect((await sim.call('TradeOperation', simpleSale({ kkm: 7000 }))).response_data.is_offline).toBe(true);

    await sim.control('POST', 'register', { kkmOfdId: 6923, invalidToken: true });
    const sale = await sim.call('TradeOperation', simpleSale());
    expect(sale.response_data).toMatchObject({ is_offline: true, is_invalid_token: true });
    // A new token through SaveKKM fixes it.
    await sim.call('SaveKKM', { ofd_id: 6923, ofd_token: 99 });
    expect((await kkm6923(sim)).is_invalid_token).toBe(false);
  });
});
