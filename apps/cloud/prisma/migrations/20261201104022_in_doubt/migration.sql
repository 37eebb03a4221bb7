-- AlterEnum: `unknown` becomes `inDoubt`, in place (existing rows keep their value under the new name).
-- (The generated diff recreates the type and casts through text, which fails on existing `unknown` rows.)
ALTER TYPE "DocumentStatus" RENAME VALUE 'unknown' TO 'inDoubt';

-- AlterTable
ALTER TABLE "FiscalDocument" ADD COLUMN     "agentId" TEXT,
ADD COLUMN     "doubtAttempts" INTEGER,
ADD COLUMN     "doubtEvidence" JSONB,
ADD COLUMN     "doubtNeeds" TEXT,
ADD COLUMN     "doubtSince" TIMESTAMP(3),
ADD COLUMN     "doubtUpdatedAt" TIMESTAMP(3),
ADD COLUMN     "resolution" TEXT,
ADD COLUMN     "resolutionNote" TEXT,
ADD COLUMN     "resolvedAt" TIMESTAMP(3),
ADD COLUMN     "resolvedBy" TEXT;

-- Documents that were `unknown` (a RESULT_UNKNOWN result) are in doubt since that result, with its
-- error as their first evidence, and are not complete.
UPDATE "FiscalDocument" SET
  "doubtSince" = COALESCE("completedAt", "requestedAt"),
  "doubtEvidence" = jsonb_build_array(jsonb_build_object(
    'at', to_char(COALESCE("completedAt", "requestedAt"), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'text', COALESCE("error"->>'message', 'RESULT_UNKNOWN'))),
  "doubtUpdatedAt" = COALESCE("completedAt", "requestedAt"),
  "completedAt" = NULL
WHERE "status" = 'inDoubt';
