import type { IClientSubscribeOptions, ISubscriptionMap, MqttClient } from 'mqtt';

/**
 * Subscribes, trying again while the connection drops under it or the broker refuses. With
 * Mosquitto's dynamic security, a cloud instance starting at the same time as another may have the
 * broker drop all of the cloud account's connections, or refuse a subscription until the account
 * has its role (the other gives it: broker-accounts.ts); the client reconnects by itself, and the
 * subscribe is simply sent again.
 *
 * The SUBSCRIBE always goes to the broker: mqtt.js otherwise skips a filter it believes the session
 * already holds, which a broker that restored the session without it (Mosquitto 2.0 with `$share/…`
 * filters after a restart) never sends again.
 */
export async function subscribeRetrying(
  client: MqttClient,
  filters: string | string[],
  options: IClientSubscribeOptions,
  { timeoutMs = 30_000, stopped = () => false }: { timeoutMs?: number; stopped?: () => boolean } = {},
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    try {
      // A fresh map each time: mqtt.js takes `resubscribe` out of the object it is given.
      const map = Object.fromEntries([filters].flat().map((filter) => [filter, { ...options }]));
      const granted = await client.subscribeAsync({ ...map, resubscribe: true } as ISubscriptionMap);
      const refused = granted.filter((grant) => grant.qos >= 0x80);
      if (refused.length > 0)
        throw new Error(
          `the broker refused the subscription to ${refused.map((grant) => `${grant.topic} (0x${grant.qos.toString(16)})`).join(', ')}`,
        );
      return;
    } catch (error) {
      if (stopped() || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
