-- The `at` of the agent's last offline presence (its dead link's start, or its goodbye): a heartbeat
-- from that link, handled after the presence (another writer, another instance), must not bring the
-- agent back online.
ALTER TABLE "Agent" ADD COLUMN "offlineAt" TIMESTAMP(3);
