-- 008-sig-facts.sql: what the classification needs of a signature, in
-- its own row.
--
-- The report commands classified each source by loading the DKIM and
-- SPF results of each of its signatures: a seek into auth_sigs,
-- auth_sig_dkim and auth_sig_spf per distinct signature, in the order
-- of the sources, which is random with respect to these tables. Two
-- forged reports of 500,000 records with a signature each took 25 s of
-- CPU that way. Now ingest keeps a signature's facts with it, the
-- report commands read them with each record (in the order stored,
-- before sorting by source), and load the results only of the
-- signatures that the listed sources' reasons name.
--
-- dmarcdb fills the new columns of the signatures already stored when
-- it applies this file (dmarcdb(1), SUMMARY TABLES).

-- Bits (src/tally.h, SIG_F_*): the evaluation (dmarc, dkim_aligned,
-- spf_aligned), the receiver's verdicts, the disposition, the first
-- forwarding reason type, whether SPF failed and whether it is signed,
-- and which kinds of DKIM and SPF results it has.
ALTER TABLE auth_sigs ADD COLUMN facts INTEGER;

-- Its passing DKIM (domain and selector) and SPF (domain) results,
-- which configured senders match, encoded; NULL if none passes.
ALTER TABLE auth_sigs ADD COLUMN passes TEXT;
