-- The link the agent's last offline presence ended (its last will or its goodbye): that link's
-- heartbeats and online presence, handled after it (another writer, another cloud instance), must
-- not bring the agent back online.
ALTER TABLE "Agent" ADD COLUMN "offlineLink" TEXT;
