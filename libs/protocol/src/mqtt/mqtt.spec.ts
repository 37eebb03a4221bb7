import { describe, expect, it } from 'vitest';
import { agentMayPublish, agentMaySubscribe, parseAgentTopic, topics } from './topics';
import { commandEnvelopeSchema, parseEnvelope, peekCommandId, resultEnvelopeSchema } from './envelopes';

describe('MQTT topics', () => {
  it('builds versioned per-agent topics and parses them back', () => {
    expect(topics.commands('agent-1')).toBe('kr/v1/agents/agent-1/commands');
    expect(parseAgentTopic('kr/v1/agents/agent-1/results')).toEqual({
      agentId: 'agent-1',
      channel: 'results',
    });
    expect(parseAgentTopic('kr/v2/agents/agent-1/results')).toBeNull();
    expect(parseAgentTopic('kr/v1/agents/+/results')).toBeNull();
    expect(parseAgentTopic('kr/v1/agents/a/b/results')).toBeNull();
    expect(() => topics.commands('a/#')).toThrow();
  });

  it('an agent touches only its own topics', () => {
    expect(agentMayPublish('a1', 'kr/v1/agents/a1/results')).toBe(true);
    expect(agentMayPublish('a1', 'kr/v1/agents/a1/presence')).toBe(true);
    expect(agentMayPublish('a1', 'kr/v1/agents/a1/commands')).toBe(false);
    expect(agentMayPublish('a1', 'kr/v1/agents/a1/config')).toBe(false);
    expect(agentMayPublish('a1', 'kr/v1/agents/a2/results')).toBe(false);
    expect(agentMaySubscribe('a1', 'kr/v1/agents/a1/commands')).toBe(true);
    expect(agentMaySubscribe('a1', 'kr/v1/agents/+/commands')).toBe(false);
    expect(agentMaySubscribe('a1', 'kr/v1/agents/#')).toBe(false);
    expect(agentMaySubscribe('a1', 'kr/v1/agents/a2/commands')).toBe(false);
    expect(agentMaySubscribe('a1', 'kr/v1/agents/a1/config')).toBe(true);
    expect(agentMaySubscribe('a1', 'kr/v1/agents/a2/config')).toBe(false);
  });
});

describe('MQTT envelopes', () => {
  const command = {
    v: 1,
    id: 'cmd-0001-abcdef',
    registerId: 'reg-1',
    issuedAt: '2026-11-23T10:00:00.000Z',
    deadline: '2026-11-23T10:01:00.000Z',
    origin: { channel: 'sale', actor: 'pos-key-1' },
    command: {
      type: 'receipt',
      operation: 'sale',
      items: [{ name: 'Кофе', quantity: 1000, price: 50000, sum: 50000 }],
      payments: [{ kind: 'cash', amount: 50000 }],
      total: 50000,
    },
  };

  it('parses a command envelope and fills defaults', () => {
    const parsed = parseEnvelope(commandEnvelopeSchema, JSON.stringify(command));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.value.command.type).toBe('receipt');
    if (parsed.value.command.type === 'receipt') expect(parsed.value.command.items[0]?.discount).toBe(0);
  });

  it('rejects broken payloads with a reason, never throws', () => {
    expect(parseEnvelope(commandEnvelopeSchema, '{')).toEqual({ ok: false, reason: 'payload is not JSON' });
    const noDeadline = parseEnvelope(
      commandEnvelopeSchema,
      JSON.stringify({ ...command, deadline: undefined }),
    );
    expect(noDeadline.ok).toBe(false);
    const badType = parseEnvelope(
      commandEnvelopeSchema,
      JSON.stringify({ ...command, command: { type: 'format.disk' } }),
    );
    expect(badType.ok).toBe(false);
    expect(peekCommandId(JSON.stringify({ ...command, command: null }))).toEqual({
      id: command.id,
      registerId: 'reg-1',
    });
    expect(peekCommandId('garbage')).toEqual({});
  });

  it('a result envelope carries outcome and device error', () => {
    const result = {
      v: 1,
      commandId: command.id,
      agentId: 'a1',
      registerId: 'reg-1',
      status: 'failed',
      outcome: {
        ok: false,
        error: {
          code: 'INSUFFICIENT_CASH',
          message: 'x',
          retryable: false,
          device: { kind: 'cash-core', code: 58, text: 'нет' },
        },
      },
      receivedAt: '2026-11-23T10:00:00.000Z',
      completedAt: '2026-11-23T10:00:01.000Z',
    };
    expect(resultEnvelopeSchema.safeParse(result).success).toBe(true);
    expect(resultEnvelopeSchema.safeParse({ ...result, status: 'maybe' }).success).toBe(false);
  });
});
