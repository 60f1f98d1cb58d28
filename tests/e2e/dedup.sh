#!/bin/bash
# dedup.sh: duplicates, re-sent reports, id reuse, idempotence, and two
# ingests at once.
. "$(dirname "$0")/lib.sh"

S=$SRCDIR/samples/reports
Y=$S/yahoo-report.xml
mkdir "$T/in"

# The same report three times, plain and gzipped: one stored.
cp "$Y" "$T/in/a.xml"
gzip -c "$Y" > "$T/in/b.gz"
cp "$Y" "$T/in/c.report"
"$DMARCDB" -q --db "$DB" ingest "$T/in"
[ "$(sql "$DB" "SELECT count(*) FROM reports")" = 1 ] || fail "copies"
[ "$(sql "$DB" "SELECT duplicates FROM ingest_runs")" = 2 ] ||
    fail "duplicates not counted"

# Re-sent with other content (same key): the later one is active, the
# earlier kept as superseded, and only the active one is in the view.
sed 's/<count>12<\/count>/<count>13<\/count>/' "$Y" > "$T/resent.xml"
differ "$Y" "$T/resent.xml" || fail "sed changed nothing"
touch -d '2030-01-01' "$T/resent.xml"
"$DMARCDB" -q --db "$DB" ingest "$T/resent.xml"
[ "$(sql "$DB" "SELECT group_concat(status, ',') FROM (SELECT status
    FROM reports ORDER BY id) AS r")" = "superseded,active" ] || fail "supersede"
[ "$(sql "$DB" "SELECT count(*) FROM v_records_active")" = 3 ] ||
    fail "active view"
[ "$(sql "$DB" "SELECT count(*) FROM v_records")" = 6 ] || fail "all view"
[ "$(sql "$DB" "SELECT superseded FROM ingest_runs ORDER BY id DESC
    LIMIT 1")" = 1 ] || fail "superseded not counted"
# The older copy again: still a duplicate, the newer stays active.
"$DMARCDB" -q --db "$DB" ingest "$Y"
[ "$(sql "$DB" "SELECT count(*) FROM reports")" = 2 ] || fail "re-ingest"

# Same report id, another period: another report.
sed 's/1704153600/1704240000/; s/1704067200/1704153600/' "$Y" > \
    "$T/nextday.xml"
"$DMARCDB" -q --db "$DB" ingest "$T/nextday.xml"
[ "$(sql "$DB" "SELECT count(*) FROM reports WHERE status = 'active'")" \
    = 2 ] || fail "id reuse across periods"

# Idempotence over a batch: any number of runs, the same rows.
cp -r "$CORPUS" "$T/c"
cp "$T/resent.xml" "$T/nextday.xml" "$T/c/"
"$DMARCDB" -q --db "$T/one.db" ingest "$T/c" 2> /dev/null || true
dump "$T/one.db" > "$T/d1"
for i in 1 2 3; do
	"$DMARCDB" -q --db "$T/one.db" ingest "$T/c" 2> /dev/null || true
done
dump "$T/one.db" > "$T/d2"
cmp -s "$T/d1" "$T/d2" || fail "repeated runs changed rows"

# Two ingests at once over the same inputs: both succeed, and the
# database holds what one run gives.
set +e
"$DMARCDB" -q --db "$T/two.db" ingest "$T/c" 2> "$T/e1" &
p1=$!
"$DMARCDB" -q --db "$T/two.db" ingest "$T/c" 2> "$T/e2" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
set -e
[ $r1 -le 1 ] && [ $r2 -le 1 ] || fail "concurrent: exit $r1 $r2"
grep_none -v ": not a DMARC report\|: XML not well-formed\|: root element\|: email message\|: zip archive holds" \
    "$T/e1" "$T/e2" || fail "concurrent runs reported errors"
dump "$T/two.db" > "$T/d3"
cmp -s "$T/d1" "$T/d3" || fail "concurrent runs differ from one run"
integrity "$T/two.db" || fail "integrity"

# The summary filled in from the stored rows, as when a database from
# before it is upgraded, is the one kept while ingesting: from before
# the summary tables (schema 2) and from before records named their
# signatures (schema 4, when source_days held the summary).
unsign='DROP VIEW v_record_identity;
    DROP VIEW v_records_active; DROP VIEW v_records;
    CREATE VIEW v_records AS SELECT id, report FROM records;
    CREATE VIEW v_records_active AS SELECT * FROM v_records;
    DROP VIEW v_source_days; DROP INDEX reports_day;
    ALTER TABLE reports DROP COLUMN day; ALTER TABLE records DROP COLUMN sig;
    DROP VIEW v_reports; CREATE VIEW v_reports AS SELECT id FROM reports;
    DROP VIEW v_runs; ALTER TABLE ingest_runs DROP COLUMN unreadable;
    CREATE VIEW v_runs AS SELECT * FROM ingest_runs;
    ALTER TABLE auth_sigs DROP COLUMN facts;
    ALTER TABLE auth_sigs DROP COLUMN passes;
    ALTER TABLE auth_sigs DROP COLUMN ident;
    DROP VIEW v_ptr_cache; DROP TABLE ptr_cache; DROP TABLE digest_alerts;
    DROP VIEW v_source_senders; DROP VIEW v_source_classes;
    CREATE VIEW v_source_senders AS SELECT * FROM sources;
    DROP TABLE class_windows; DROP TABLE source_classes;
    DROP VIEW v_dns_records; DROP TABLE dns_records;
    DROP VIEW v_input_files; DROP TABLE input_files;
    DROP INDEX reports_end;
'
# and before 006 (schema/006-values.sql): no raw_* columns.
for c in p sp np adkim aspf pct fo testing; do
	unsign="$unsign ALTER TABLE reports DROP COLUMN raw_$c;"
done
cp "$T/one.db" "$T/old.db"
sql "$T/old.db" "$unsign
    DROP VIEW v_rejected; DROP TABLE rejected_raw;
    ALTER TABLE rejected_inputs ADD COLUMN raw BLOB NOT NULL DEFAULT x'';
    CREATE VIEW v_rejected AS SELECT length(raw) AS kept FROM rejected_inputs;
    DROP VIEW v_source_senders;
    DROP TABLE sources; DROP TABLE summary_dirty; DROP TABLE auth_sig_dkim;
    DROP TABLE auth_sig_spf; DROP TABLE auth_sigs; DROP TABLE config_files;
    DROP TABLE config_domains; DROP TABLE config_sender_rules;
    DROP TABLE config_senders; DROP TABLE config_thresholds;
    PRAGMA user_version = 2"
"$DMARCDB" --db "$T/old.db" reports > /dev/null
dump "$T/old.db" > "$T/d4"
cmp -s "$T/d1" "$T/d4" || fail "summary from schema 2 differs from the kept one"
# sources is compared too: schema 2 has none, so it is merged whole.
"$DMARCDB" --db "$T/one.db" sources > /dev/null
"$DMARCDB" --db "$T/old.db" sources > /dev/null
[ "$(sql "$T/one.db" "SELECT * FROM sources ORDER BY 1, 2, 3")" = \
  "$(sql "$T/old.db" "SELECT * FROM sources ORDER BY 1, 2, 3")" ] ||
    fail "sources from schema 2 differ from the kept ones"

cp "$T/one.db" "$T/old4.db"
sql "$T/old4.db" "$unsign
    CREATE TABLE source_days (domain TEXT NOT NULL, day INTEGER NOT NULL,
      source_ip TEXT NOT NULL, reporter TEXT NOT NULL, sig INTEGER NOT NULL,
      messages INTEGER NOT NULL, records INTEGER NOT NULL,
      PRIMARY KEY (domain, day, source_ip, reporter, sig)) WITHOUT ROWID;
    CREATE VIEW v_source_days AS SELECT * FROM source_days;
    PRAGMA user_version = 4"
"$DMARCDB" --db "$T/old4.db" reports > /dev/null
dump "$T/old4.db" > "$T/d5"
cmp -s "$T/d1" "$T/d5" || fail "summary from schema 4 differs from the kept one"

# From before signatures kept their facts (schema 7, before
# schema/008-sig-facts.sql): the facts filled in are those ingest keeps
# (dump compares them), and the report commands say the same.
cp "$T/one.db" "$T/old7.db"
sql "$T/old7.db" "DROP VIEW v_record_identity;
    ALTER TABLE auth_sigs DROP COLUMN facts;
    ALTER TABLE auth_sigs DROP COLUMN passes;
    ALTER TABLE auth_sigs DROP COLUMN ident;
    DROP VIEW v_ptr_cache; DROP TABLE ptr_cache; DROP TABLE digest_alerts;
    DROP VIEW v_source_senders; DROP VIEW v_source_classes;
    CREATE VIEW v_source_senders AS SELECT * FROM sources;
    DROP TABLE class_windows; DROP TABLE source_classes;
    DROP VIEW v_dns_records; DROP TABLE dns_records;
    DROP VIEW v_input_files; DROP TABLE input_files;
    DROP INDEX reports_end;
    PRAGMA user_version = 7"
"$DMARCDB" --db "$T/old7.db" reports > /dev/null
dump "$T/old7.db" > "$T/d7"
cmp -s "$T/d1" "$T/d7" || fail "facts from schema 7 differ from the kept ones"
[ "$(sql "$T/old7.db" "SELECT count(*) FROM auth_sigs
    WHERE facts IS NULL")" = 0 ] || fail "schema 7: facts left NULL"
for f in table csv json; do
	"$DMARCDB" --db "$T/one.db" sources --since 2000-01-01 \
	    --as-of 2030-01-01 --format $f > "$T/s1.$f"
	"$DMARCDB" --db "$T/old7.db" sources --since 2000-01-01 \
	    --as-of 2030-01-01 --format $f > "$T/s7.$f"
	cmp -s "$T/s1.$f" "$T/s7.$f" || fail "sources differ after schema 7"
done
[ "$(grep -c , "$T/s1.csv")" -gt 5 ] || fail "schema 7: no sources"

# From before signatures kept their identity (schema 8, before
# schema/009-sig-ident.sql): identities and facts (with the identity's
# kind) are filled in as ingest keeps them, and sources groups alike.
cp "$T/one.db" "$T/old8.db"
sql "$T/old8.db" "DROP VIEW v_record_identity;
    ALTER TABLE auth_sigs DROP COLUMN ident;
    UPDATE auth_sigs SET facts = facts & ~(3 << 20);
    DROP VIEW v_ptr_cache; DROP TABLE ptr_cache; DROP TABLE digest_alerts;
    DROP VIEW v_source_senders; DROP VIEW v_source_classes;
    CREATE VIEW v_source_senders AS SELECT * FROM sources;
    DROP TABLE class_windows; DROP TABLE source_classes;
    DROP VIEW v_dns_records; DROP TABLE dns_records;
    DROP VIEW v_input_files; DROP TABLE input_files;
    DROP INDEX reports_end;
    PRAGMA user_version = 8"
"$DMARCDB" --db "$T/old8.db" reports > /dev/null
dump "$T/old8.db" > "$T/d8"
cmp -s "$T/d1" "$T/d8" || fail "identities from schema 8 differ"
[ "$(sql "$T/old8.db" "SELECT count(*) FROM auth_sigs
    WHERE ident IS NOT NULL")" -gt 0 ] || fail "schema 8: no identity"
for f in table csv json; do
	"$DMARCDB" --db "$T/one.db" sources --since 2000-01-01 \
	    --as-of 2030-01-01 --format $f > "$T/g1.$f"
	"$DMARCDB" --db "$T/old8.db" sources --since 2000-01-01 \
	    --as-of 2030-01-01 --format $f > "$T/g8.$f"
	cmp -s "$T/g1.$f" "$T/g8.$f" || fail "senders differ after schema 8"
done
echo "ok"
