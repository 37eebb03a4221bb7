-- The result envelope that settled a command, stored with its document: a caller waiting on one
-- cloud instance is answered from here when another instance took the result from the broker.
ALTER TABLE "FiscalDocument" ADD COLUMN "result" JSONB;
