-- Seed 001's /sale uniqueness (docTime + docNumber + amount) per store instead of per register:
-- a POS that fails over to a sibling register after a timeout must find the document it sent.
ALTER TABLE "FiscalDocument" ADD COLUMN "storeKey" TEXT;

-- Existing keyed /sale documents (their idempotency key is not their command id): the earliest of
-- each (store, key) takes the store-wide key, and later ones of the same key on sibling registers
-- (printed before this rule existed) keep only their per-register key.
UPDATE "FiscalDocument" d
SET "storeKey" = ranked."storeId" || '|' || d."idempotencyKey"
FROM (
  SELECT f."id", r."storeId",
         ROW_NUMBER() OVER (PARTITION BY r."storeId", f."idempotencyKey" ORDER BY f."requestedAt", f."id") AS n
  FROM "FiscalDocument" f
  JOIN "Register" r ON r."id" = f."registerId"
  WHERE f."originChannel" = 'sale' AND f."idempotencyKey" <> f."commandId"
) ranked
WHERE ranked."id" = d."id" AND ranked.n = 1;

CREATE UNIQUE INDEX "FiscalDocument_storeKey_key" ON "FiscalDocument"("storeKey");
