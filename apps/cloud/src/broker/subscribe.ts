import type { IClientSubscribeOptions, MqttClient } from 'mqtt';

/**
 * Subscribes, trying again while the connection drops under it. With Mosquitto's dynamic security,
 * a cloud instance starting at the same time as another may have the broker drop all of the cloud
 * account's connections (the other gives the account its role: broker-accounts.ts); the client
 * reconnects by itself, and the subscribe is simply sent again.
 */
export async function subscribeRetrying(
  client: MqttClient,
  filters: string | string[],
  options: IClientSubscribeOptions,
  { timeoutMs = 30_000, stopped = () => false }: { timeoutMs?: number; stopped?: () => boolean } = {},
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    try {
      await client.subscribeAsync(filters, options);
      return;
    } catch (error) {
      if (stopped() || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
