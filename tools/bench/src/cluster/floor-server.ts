/**
 * The bare floor of a relayed sale, for bench:cluster's cost per sale: a minimal Node HTTP handler
 * doing what the cloud must do at the least — one INSERT, one MQTT round trip to a (fleet) agent,
 * one UPDATE — and nothing else: no validation, no idempotency, no ledger, no framework.
 *
 *   POST /sale {"agentId": "…", "registerId": "…", "amount": 35000}  →  the agent's result
 *
 * Environment: DATABASE_URL, MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD, PORT. Prints "floor listening".
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import mqtt from 'mqtt';
import pg from 'pg';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 10 });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_floor (id text PRIMARY KEY, body jsonb NOT NULL, result jsonb)',
  );
  const client = await mqtt.connectAsync(env('MQTT_URL'), {
    clientId: `bench-floor-${randomUUID()}`,
    username: env('MQTT_USERNAME'),
    password: env('MQTT_PASSWORD'),
    protocolVersion: 5,
  });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const waiting = new Map<string, (result: Buffer) => void>();
  client.on('message', (_topic, payload) => {
    const id = (JSON.parse(payload.toString('utf8')) as { commandId?: string }).commandId;
    if (id) waiting.get(id)?.(payload);
  });
  await client.subscribeAsync('kr/v1/agents/+/results', { qos: 1 });

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const { agentId, registerId, amount } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          agentId: string;
          registerId: string;
          amount: number;
        };
        const id = randomUUID();
        const now = Date.now();
        const envelope = {
          v: 1,
          id,
          registerId,
          issuedAt: new Date(now).toISOString(),
          deadline: new Date(now + 60_000).toISOString(),
          command: {
            type: 'receipt',
            operation: 'sale',
            items: [{ name: 'Кофе', quantity: 1000, price: amount, sum: amount }],
            payments: [{ kind: 'cash', amount }],
            total: amount,
          },
        };
        const body = JSON.stringify(envelope);
        await pool.query('INSERT INTO bench_floor (id, body) VALUES ($1, $2)', [id, body]);
        const result = new Promise<Buffer>((resolve) => waiting.set(id, resolve));
        await client.publishAsync(`kr/v1/agents/${agentId}/commands`, body, { qos: 1 });
        const payload = await result;
        waiting.delete(id);
        await pool.query('UPDATE bench_floor SET result = $2 WHERE id = $1', [id, payload.toString('utf8')]);
        response.writeHead(200, { 'content-type': 'application/json' }).end(payload);
      })().catch((error: Error) => response.writeHead(500).end(error.message));
    });
  });
  server.listen(Number(env('PORT')), '127.0.0.1', () => process.stdout.write('floor listening\n'));
  process.on('SIGTERM', () => {
    server.close();
    void client.endAsync().then(() => pool.end().then(() => process.exit(0)));
  });
}

void main();
