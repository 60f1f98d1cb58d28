#!/bin/bash
# attach.sh: a message whose attachment says it is a DMARC report (its
# name or type) and is not one (a .xml.gz holding a picture, a gzip of
# one, a zip of none) is a rejected input, named by its part, with the
# reason: not a message "without a report". A part that does not say
# so (a logo, an SMTP TLS report's .json.gz) is passed over, as
# before. The summary counts the messages without a report.
. "$(dirname "$0")/lib.sh"

# msg FILE ID TYPE NAME PAYLOAD: a message with a text part and PAYLOAD
# attached as NAME, of type TYPE.
msg() {
	{
	printf 'From: reports@example.net\nTo: dmarc@example.com\n'
	printf 'Subject: Report domain: example.com\nMessage-ID: <%s@example.net>\n' "$2"
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nThe report.\n'
	printf -- '--b\nContent-Type: %s; name="%s"\n' "$3" "$4"
	printf 'Content-Disposition: attachment; filename="%s"\n' "$4"
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 < "$5"
	printf -- '--b--\n'
	} > "$1"
}

printf '\211PNG\r\n\032\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1' > "$T/pic.png"
printf 'GIF89a\1\0\1\0\200\0\0' > "$T/pic.gif"
gzip -c < "$T/pic.png" > "$T/pic.gz"
printf '{"organization-name":"x","policies":[]}' | gzip -c > "$T/tls.json.gz"
(cd "$T" && python3 -c 'import zipfile
z = zipfile.ZipFile("none.zip", "w"); z.write("pic.png"); z.close()')

M=$T/msgs
mkdir "$M"
# Broken: each of these is a rejected input.
msg "$M/1.eml" 1 application/gzip 'google.com!example.com!1700000000!1700086399.xml.gz' "$T/pic.png"
msg "$M/2.eml" 2 application/gzip report.xml.gz "$T/pic.gz"
msg "$M/3.eml" 3 application/zip 'mimecast.org!example.com!1700000000!1700086399.zip' "$T/none.zip"
msg "$M/4.eml" 4 text/xml report "$T/pic.gif"
# Not broken: no report in them, and none said so.
msg "$M/5.eml" 5 image/png logo.png "$T/pic.png"
msg "$M/6.eml" 6 application/tlsrpt+gzip 'google.com!example.com!1700000000!1700086399.json.gz' "$T/tls.json.gz"
msg "$M/7.eml" 7 application/gzip data.gz "$T/pic.gz"

expect_exit 1 "$DMARCDB" --db "$DB" ingest "$M" 2> "$T/err"
want() {
	grep -qxF "dmarcdb: $M/$1: part 2 ($2): $3" "$T/err" ||
	    fail "$1: not rejected as $3: $(cat "$T/err")"
}
want 1.eml 'application/gzip, google.com!example.com!1700000000!1700086399.xml.gz' \
    'not a DMARC report: a PNG image'
want 2.eml 'application/gzip, report.xml.gz' \
    'not a DMARC report: gzip payload is a PNG image'
want 3.eml 'application/zip, mimecast.org!example.com!1700000000!1700086399.zip' \
    'zip archive holds no DMARC report (pic.png: a PNG image)'
want 4.eml 'text/xml, report' 'not a DMARC report: a GIF image'
[ "$(grep -c 'part 2' "$T/err")" = 4 ] || fail "more rejected: $(cat "$T/err")"
grep -q '^dmarcdb: 7 inputs: 7 email messages (0 processed before, 3 without a report), 0 reports stored, 0 duplicates, 0 superseded, 4 rejected; ' \
    "$T/err" || fail "summary: $(cat "$T/err")"

# In the database: the messages rejected, their parts kept, raw.
[ "$(sql "$DB" "SELECT group_concat(outcome, ' ') FROM (SELECT outcome
    FROM mail_messages ORDER BY message_id) AS m")" = "rejected rejected rejected rejected no_report no_report no_report" ] ||
    fail "outcomes: $(sql "$DB" "SELECT message_id, outcome FROM mail_messages")"
[ "$(sql "$DB" "SELECT count(*) FROM rejected_inputs i JOIN mail_messages m
    ON m.id = i.mail_message")" = 4 ] || fail "rejected parts not kept"
"$DMARCDB" --db "$DB" rejected --dump "$(sql "$DB" "SELECT id FROM
    rejected_inputs WHERE origin LIKE '%/1.eml: %'")" > "$T/dump1"
cmp -s "$T/pic.png" "$T/dump1" || fail "the part kept is not the picture"
# The TLS report is said to be one.
[ "$(sql "$DB" "SELECT reason FROM mail_messages WHERE message_id = '6@example.net'")" = "an SMTP TLS report, not a DMARC report" ] ||
    fail "TLS report: $(sql "$DB" "SELECT reason FROM mail_messages WHERE message_id = '6@example.net'")"

# Read again: processed before, nothing said.
"$DMARCDB" -q --db "$DB" ingest "$M" 2> "$T/err" || fail "again: exit $?"
[ ! -s "$T/err" ] || fail "again: $(cat "$T/err")"
echo ok
