-- Money columns become bigint (minor units): amounts past 21,474,836.47 overflowed int4.
-- ALTER COLUMN TYPE rewrites each table and keeps every value (int4 widens to int8 exactly).
-- AlterTable
ALTER TABLE "Register" ALTER COLUMN "cashBalance" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "FiscalDocument" ALTER COLUMN "total" SET DATA TYPE BIGINT,
ALTER COLUMN "change" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "Shift" ALTER COLUMN "sumSales" SET DATA TYPE BIGINT,
ALTER COLUMN "sumReturns" SET DATA TYPE BIGINT,
ALTER COLUMN "sumInsert" SET DATA TYPE BIGINT,
ALTER COLUMN "sumRemove" SET DATA TYPE BIGINT,
ALTER COLUMN "cashBalance" SET DATA TYPE BIGINT;
