-- The iKKM driver used to put the live web-api key into its result (raw.key, raw.keyUsed), and
-- the cloud stored that result as the document device answer, shown to every viewer.
-- Remove those fields from every stored answer (the key stays only with the agent and in the
-- sealed register config).
UPDATE "FiscalDocument"
SET "deviceAnswer" = ("deviceAnswer" #- '{raw,key}') #- '{raw,keyUsed}'
WHERE jsonb_typeof("deviceAnswer") = 'object'
  AND ("deviceAnswer" #> '{raw,key}' IS NOT NULL OR "deviceAnswer" #> '{raw,keyUsed}' IS NOT NULL);
