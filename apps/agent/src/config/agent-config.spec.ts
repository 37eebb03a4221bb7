import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '@kassa-relay/testing';
import { ConfigError, loadAgentConfig } from './agent-config';

const dir = tempDir('agent-config-');
afterAll(() => dir.remove());

const write = (name: string, value: unknown) => {
  const path = join(dir.path, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

const valid = {
  agentId: 'store-42',
  mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'store-42', password: 'secret' },
  dataDir: 'data',
  registers: [
    {
      id: 'r1',
      kind: 'ikkm',
      url: 'http://192.0.2.10:8080',
      initialKey: '12345678',
      taxTable: [{ percent: 12, registerCode: '1' }],
    },
    { id: 'r2', kind: 'cash-core', url: 'http://127.0.0.1:8081', accessCode: '0000', kkmOfdId: 6923 },
  ],
};

describe('agent config', () => {
  it('fills defaults and resolves the data dir next to the config file', () => {
    const config = loadAgentConfig(write('ok.json', valid), {});
    expect(config.dataDir).toBe(join(dir.path, 'data'));
    expect(config.heartbeatIntervalSec).toBe(15);
    expect(config.mqtt.protocolVersion).toBe('auto');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(config.outbox.maxAgeHours).toBe(72);
  });

  it('environment overrides the file for secrets and locations', () => {
    const config = loadAgentConfig(write('env.json', valid), {
      KASSA_AGENT_MQTT_URL: 'mqtts://broker.example:8883',
      KASSA_AGENT_MQTT_PASSWORD: 'from-env',
      KASSA_AGENT_DATA_DIR: '/var/lib/kassa-agent',
      KASSA_AGENT_HTTP_PORT: '9999',
    });
    expect(config.mqtt.url).toBe('mqtts://broker.example:8883');
    expect(config.mqtt.password).toBe('from-env');
    expect(config.dataDir).toBe('/var/lib/kassa-agent');
    expect(config.http.port).toBe(9999);
  });

  it('names every wrong field in one clear message', () => {
    const bad = {
      ...valid,
      agentId: 'store/42',
      mqtt: { url: 'http://nope' },
      registers: [
        { id: 'r1', kind: 'ikkm', url: 'not a url', initialKey: 'abc' },
        { id: 'r1', kind: 'fax' },
      ],
    };
    let message = '';
    try {
      loadAgentConfig(write('bad.json', bad), {});
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('agentId');
    expect(message).toContain('mqtt.url');
    expect(message).toContain('registers.0.url');
    expect(message).toContain('registers.0.initialKey');
    expect(message).toContain('registers.1.kind');
  });

  it('the example config shipped in apps/agent/deploy is valid', () => {
    const config = loadAgentConfig(join(__dirname, '../../deploy/agent.example.json'), {});
    expect(config.registers.map((r) => r.kind)).toEqual(['ikkm', 'cash-core']);
    expect(config.dataDir).toBe('/var/lib/kassa-agent');
  });

  it('refuses unreadable files and non-JSON', () => {
    expect(() => loadAgentConfig(join(dir.path, 'missing.json'), {})).toThrow(/cannot read config/);
    expect(() => loadAgentConfig(write('garbage.json', '{oops'), {})).toThrow(ConfigError);
  });
});
