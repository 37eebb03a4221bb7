-- A digest of the register health last written: a heartbeat that says nothing new writes nothing
-- (and tells no dashboard), whichever cloud instance takes it.
ALTER TABLE "Register" ADD COLUMN "healthDigest" TEXT;
