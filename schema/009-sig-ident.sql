-- 009-sig-ident.sql: the identity a signature's mail authenticates as,
-- by which sources, advise and the digest group sources into senders
-- (dmarcdb(1), SOURCES, and SUMMARY TABLES).
--
-- The domain of the first of: a DKIM pass not aligned with the
-- header_from (a service signing with its own domain), an SPF pass not
-- aligned, an aligned DKIM pass, an aligned SPF pass; NULL if nothing
-- passes. facts says which kind it is (src/tally.h, SIG_F_IDENT_*).
--
-- dmarcdb fills it, and the facts again, for the signatures already
-- stored when it applies this file.
ALTER TABLE auth_sigs ADD COLUMN ident TEXT;
UPDATE auth_sigs SET facts = NULL;
