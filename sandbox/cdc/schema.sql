-- The sandbox's source database, shaped like the seeds' FINANCE_USER.TRANS_INFO. Run by the
-- database owner once the `finance` database exists; every statement can run again.
--   version:   raised by one in every committed change of the row, so the CDC data check can tell
--              a lost or a duplicated change from the CSV alone.
--   cdc_canary: rows the monitor writes to prove the pipeline still delivers; never business data.
CREATE TABLE IF NOT EXISTS trans_info (
  id         integer PRIMARY KEY,
  account    text           NOT NULL,
  amount     numeric(12, 2) NOT NULL,
  version    bigint         NOT NULL DEFAULT 0,
  updated_at timestamptz    NOT NULL DEFAULT now()
);
INSERT INTO trans_info (id, account, amount)
SELECT i, 'ACC' || lpad(i::text, 6, '0'), 100.00
FROM generate_series(1, 18) AS i
ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS cdc_canary (
  id         bigserial PRIMARY KEY,
  marker     text,
  written_at timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'cdc_pub') THEN
    CREATE PUBLICATION cdc_pub FOR TABLE trans_info, cdc_canary;
  END IF;
END $$;

-- The role the job connects as: it may replicate and read, nothing else.
GRANT SELECT ON trans_info, cdc_canary TO cdc_user;
GRANT USAGE ON SCHEMA public TO cdc_user;
