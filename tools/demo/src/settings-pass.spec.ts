import { describe, expect, it } from 'vitest';
import { cloudSettingsFrom, DEMO_CLOUD_PASS_THROUGH } from './launcher';

describe('npm start: cloud settings from the environment', () => {
  it('passes the documented behaviour settings through and keeps the demo its own wiring', () => {
    const passed = cloudSettingsFrom({
      KASSA_POS_WAIT_MS: '5000',
      LOG_LEVEL: 'debug',
      KASSA_COMMAND_DEADLINE_MS: '',
      KASSA_SECRET_KEY: 'not-yours',
      KASSA_PG_PORT: '1',
      DATABASE_URL: 'postgres://elsewhere',
      PORT: '1',
    });
    expect(passed).toEqual({ KASSA_POS_WAIT_MS: '5000', LOG_LEVEL: 'debug' });
    expect(DEMO_CLOUD_PASS_THROUGH).toContain('KASSA_POS_RESULT_WAIT_MS');
  });
});
