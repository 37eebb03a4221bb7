import { Readable } from 'node:stream';
import memory, { type AedesMemoryPersistence, type Packet } from 'aedes-persistence';

const hasWildcard = (filter: string): boolean => filter.includes('+') || filter.includes('#');

/**
 * Aedes's memory persistence, with its retained messages also kept by exact topic.
 *
 * Why: on every SUBSCRIBE Aedes asks the persistence for the retained messages matching the new
 * filters, and the memory persistence answers by testing every retained topic against each filter
 * (aedes-persistence 11, `retainedMessagesByPattern`). Every agent leaves a retained presence, and
 * every agent subscribes on each connect to two exact topics (its commands and its config): a fleet
 * reconnecting after a restart costs agents² topic tests — 18 million for 3,000 agents, in the
 * cloud's own process. A filter without wildcards can only match its own topic, so such SUBSCRIBEs
 * are answered from this index; one with a wildcard (the cloud's own) goes to Aedes's scan.
 *
 * The index changes with every `storeRetained`, exactly as Aedes's own map does (an empty payload
 * deletes), before the wrapped store: the two never disagree about a topic. `persistence` is the
 * memory persistence to wrap (a test passes one it watches).
 */
export function indexedMemoryPersistence(
  persistence: AedesMemoryPersistence = memory(),
): AedesMemoryPersistence {
  const byTopic = new Map<string, Packet>();
  const storeRetained = persistence.storeRetained.bind(persistence);
  persistence.storeRetained = (packet, done) => {
    if (packet.cmd === 'publish') {
      if (packet.payload.length === 0) byTopic.delete(packet.topic);
      else byTopic.set(packet.topic, { ...packet });
    }
    return storeRetained(packet, done);
  };
  const scan = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (filters) =>
    filters.some(hasWildcard)
      ? scan(filters)
      : Readable.from(filters.flatMap((topic) => byTopic.get(topic) ?? []));
  return persistence;
}
