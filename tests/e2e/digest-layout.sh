#!/bin/bash
# digest-layout.sh: the digest at 1, 10 and 200 domains. Gmail clips an
# HTML part above about 102 KB: the HTML must stay under 100 KB (102,400
# bytes) and the whole message under 200 KB, whatever the number of
# domains; each message must pass mimecheck (GMime). The HTML must not
# scroll sideways on a phone: headless Chromium measures the page's
# width at 390 and 1024 px, in light and dark mode. The 200 domains, 3
# of which need attention, are also compared with golden text and HTML
# (tests/golden/digest-many.*; UPDATE_GOLDEN=1 rewrites them); 200 that
# could all have a section get as many as the size allows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures.sh"

MIMECHECK=$BUILDDIR/tests/e2e/mimecheck
AS_OF=2026-03-01
# Two weeks of reports: the period (22 to 28 February) and the one before.
DAYS=$(days 2026-02-15 14)
CUR=2026-02-22

# Long names without a hyphen: nothing but a forced break keeps them
# from widening a narrow screen.
LONG1=customercommunicationsandnewsletters.internationalsubsidiary.example
LONG2=transactionalnotificationsfromtheonlineshop.example

# Each line of "reports" is printed by a builtin: thousands of them, no
# process for any.
# line ORG DAY DOMAIN POLICY RECORD...: a record of a report.
line() {
	o_=$1 d_=$2 n_=$3 p_=$4
	shift 4
	echo "$o_ 7489 $d_ domain=$n_,$p_ $*"
}
# pass_line ORG DAY DOMAIN POLICY IP COUNT: aligned DKIM and SPF.
pass_line() {
	line "$1" "$2" "$3" "$4" "$5 $6 $3 none pass pass $3:s1:pass" \
	    "$3:mfrom:pass -"
}

# A domain where everything passes at p=reject: nothing to do.
quiet_domain() { # DOMAIN
	for day in $DAYS; do
		pass_line google.com "$day" "$1" p=reject,np=reject \
		    192.0.2.10 120
	done
}

# A domain ready for its next step, with a sender of each kind: an ESP
# that signs for it, mail forwarded by a list, a little spoofing.
ready_domain() { # DOMAIN
	for day in $DAYS; do
		pass_line google.com "$day" "$1" p=none 192.0.2.10 300
		line google.com "$day" "$1" p=none 198.51.100.20 90 "$1" \
		    none pass fail "$1:k1:pass" mcsv.net:mfrom:pass -
		line google.com "$day" "$1" p=none 209.85.2.2 4 "$1" none \
		    fail fail "$1:s1:fail" lists.example.org:mfrom:pass \
		    mailing_list
		line google.com "$day" "$1" p=none 185.1.1.1 3 "$1" none \
		    fail fail - "$1:mfrom:fail" -
		pass_line Yahoo "$day" "$1" p=none 192.0.2.10 80
	done
}

# A domain with everything at once: senders that break this week (more
# than the digest lists), one that still fails, new unknown senders,
# spoofing, a reporter that stops, and its step back under quarantine.
busy_domain() { # DOMAIN
	for day in $DAYS; do
		r=pass
		[ "$day" \< $CUR ] || r=fail
		pass_line google.com "$day" "$1" p=quarantine 192.0.2.10 400
		line google.com "$day" "$1" p=quarantine 192.0.2.40 30 "$1" \
		    none fail fail "$1:hd1:fail" "$1:mfrom:fail" -
		for i in 21 22 23 24 25 26 27; do
			line google.com "$day" "$1" p=quarantine 192.0.2.$i 15 \
			    "$1" none $r $r "$1:e$i:$r" "$1:mfrom:$r" -
		done
		if ! [ "$day" \< $CUR ]; then
			for i in 1 2 3 4 5 6 7; do
				line google.com "$day" "$1" p=quarantine \
				    203.0.113.$i 12 "$1" none fail fail - \
				    "bounces$i.mailer-$i.example:mfrom:pass" -
			done
			line google.com "$day" "$1" p=quarantine 198.18.0.9 40 \
			    "$1" quarantine fail fail - "$1:mfrom:fail" -
		else
			pass_line Mail.Ru "$day" "$1" p=quarantine \
			    192.0.2.10 20
		fi
	done
}

# The configuration of a ready domain.
ready_conf() { # DOMAIN
	printf 'domain %s { sender "our MTA" { ip 192.0.2.10/32; }' "$1"
	printf ' sender "Mailchimp" { dkim %s selector k1; } }\n' "$1"
}

busy_conf() { # DOMAIN
	printf 'domain %s {\n\tsender "our MTA" { ip 192.0.2.10/32; }\n' "$1"
	printf '\tsender "Helpdesk" { ip 192.0.2.40/32; }\n'
	for i in 21 22 23 24 25 26 27; do
		printf '\tsender "Newsletter service %s" { ip 192.0.2.%s/32; }\n' \
		    "$i" "$i"
	done
	printf '}\n'
}

# The stores: one domain (busy, with a long name); ten (two busy, eight
# ready: every one with a section); many, 200 (a sender that started
# failing, a domain without reports, a step back; the rest fine); worst,
# 200 that could all have a section.
build() { # NAME
	mkdir "$T/$1"
	case $1 in
	one)
		busy_domain "$LONG1"
		busy_conf "$LONG1" > "$T/one.conf"
		;;
	ten)
		: > "$T/ten.conf"
		for d in "$LONG1" busy2.example; do
			busy_domain "$d"
			busy_conf "$d" >> "$T/ten.conf"
		done
		for i in 1 2 3 4 5 6 7 8; do
			ready_domain "ready$i.example"
			ready_conf "ready$i.example" >> "$T/ten.conf"
		done
		;;
	many)
		: > "$T/many.conf"
		i=1
		while [ $i -le 197 ]; do
			printf -v d 'brand%03d.example' $i
			[ $i != 7 ] || d=$LONG2
			quiet_domain "$d"
			printf 'domain %s { sender "our MTA" %s }\n' "$d" \
			    '{ ip 192.0.2.10/32; }' >> "$T/many.conf"
			i=$((i + 1))
		done
		# The step back: authorised mail at 80% under quarantine.
		for day in $DAYS; do
			pass_line google.com "$day" stepback.example \
			    p=quarantine 192.0.2.10 80
			line google.com "$day" stepback.example p=quarantine \
			    192.0.2.10 20 stepback.example quarantine fail \
			    fail stepback.example:s1:fail \
			    stepback.example:mfrom:fail -
		done
		# The ESP that starts failing this week (its DKIM and its SPF).
		for day in $DAYS; do
			r=pass
			[ "$day" \< $CUR ] || r=fail
			pass_line google.com "$day" "$LONG1" \
			    p=reject,np=reject 192.0.2.10 1000
			line google.com "$day" "$LONG1" p=reject,np=reject \
			    192.0.2.20 30 "$LONG1" none $r $r "$LONG1:k1:$r" \
			    "$LONG1:mfrom:$r" -
		done
		printf '%s\n' \
		    'domain stepback.example { sender "our MTA" { ip 192.0.2.10/32; } }' \
		    "domain $LONG1 {" \
		    '	sender "our MTA" { ip 192.0.2.10/32; }' \
		    '	sender "Newsletter service" { ip 192.0.2.20/32; }' '}' \
		    'domain noreports.example { sender "our MTA" { ip 192.0.2.10/32; } }' \
		    >> "$T/many.conf"
		;;
	worst)
		# 200 domains at p=none, all mail passing: each ready for
		# its next step, more sections than the HTML can hold.
		: > "$T/worst.conf"
		i=1
		while [ $i -le 200 ]; do
			printf -v d 'ready%03d.example' $i
			for day in $DAYS; do
				pass_line google.com "$day" "$d" p=none \
				    192.0.2.10 300
			done
			printf 'domain %s { sender "our MTA" %s }\n' "$d" \
			    '{ ip 192.0.2.10/32; }' >> "$T/worst.conf"
			i=$((i + 1))
		done
		;;
	esac > "$T/$1.lines"
	reports "$T/$1" < "$T/$1.lines"
	"$QUICK" -q --db "$T/$1.db" ingest "$T/$1"
}

digest_conf() {
	printf '%s\n' 'digest {' \
	    '	from "DMARC reports <dmarc-reports@example.com>";' \
	    '	to marketing-ops@example.com;' '}'
}

# Generated in one awk each, ingested at once: a few seconds for 200.
for n in one ten many worst; do
	build "$n"
	digest_conf >> "$T/$n.conf"
	# The ingest ran today: put it on the digest's day, at 00:01.
	sql "$T/$n.db" "UPDATE ingest_runs SET started_at = 1772323260,
	    finished_at = 1772323265"
done

# digest NAME FORMAT [DMARCDB]: the digest of store NAME, to $T/NAME.FORMAT.
digest() {
	DMARCDB_CONFIG=$T/$1.conf "${3:-$QUICK}" --db "$T/$1.db" digest \
	    --as-of $AS_OF --no-dns --format "$2" > "$T/$1.$2" ||
	    fail "digest $1 --format $2: exit $?"
}

digest worst text
for n in one ten many worst; do
	digest "$n" html
	digest "$n" mime
	html=$(wc -c < "$T/$n.html")
	msg=$(wc -c < "$T/$n.mime")
	echo "$n: HTML part $html bytes, message $msg bytes"
	[ "$html" -lt 102400 ] || fail "$n: the HTML part is $html bytes"
	[ "$msg" -lt 204800 ] || fail "$n: the message is $msg bytes"
	"$MIMECHECK" "$T/$n.mime" > /dev/null || fail "$n: mimecheck"
	"$MIMECHECK" --part html "$T/$n.mime" > "$T/$n.part"
	cmp -s "$T/$n.part" "$T/$n.html" ||
	    fail "$n: --format html is not the message's HTML part"
done
# The sections that do not fit are counted.
grep -q "^1[0-9][0-9] more domains that need attention or can take their" \
    "$T/worst.text" || fail "worst: no domain left out: $(grep -c . \
    "$T/worst.text") lines"
# Once under memcheck (make check-valgrind): the most sections.
DMARCDB_CONFIG=$T/ten.conf "$DMARCDB" --db "$T/ten.db" digest \
    --as-of $AS_OF --no-dns > "$T/ten.again" || fail "digest ten: exit $?"
cmp -s "$T/ten.again" "$T/ten.mime" || fail "ten: not the same message again"

# The 200 domains, as a reader sees them: 3 sections, 197 lines.
DMARCDB_CONFIG=$T/many.conf
export DMARCDB_CONFIG
golden digest-many.txt "$QUICK" --db "$T/many.db" digest --as-of $AS_OF \
    --no-dns --format text
golden digest-many.html "$QUICK" --db "$T/many.db" digest --as-of $AS_OF \
    --no-dns --format html
[ "$(grep -c '^[a-z0-9.]*\.example$' "$T/digest-many.txt")" = 3 ] &&
    [ "$(grep -c '^  brand[0-9]*\.example  *[0-9,]*  *100\.0%  OK$' \
    "$T/digest-many.txt")" = 196 ] ||
    fail "200 domains: not 3 sections and 196 lines OK"

# The width, measured by headless Chromium (tests/e2e/digest-width.html
# frames the 1, 10 and 200 domains at 390 and 1024 px): the page must not
# be wider than the screen. Dark mode is the browser's preferred colour
# scheme, for a whole run: it must change the background and the text,
# and nothing else.
command -v chromium > /dev/null 2>&1 ||
    fail "chromium is not installed (tools/deps.sh test)"
cp "$SRCDIR/tests/e2e/digest-width.html" "$T/width.html"

# measure light|dark: a line per frame, to $T/width-SCHEME.
measure() {
	s_=$1
	set -- --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --hide-scrollbars \
	    --allow-file-access-from-files --user-data-dir="$T/chromium-$s_" \
	    --window-size=1100,800
	[ "$s_" = light ] || set -- "$@" --force-dark-mode \
	    --blink-settings=preferredColorScheme=0
	chromium "$@" --dump-dom "file://$T/width.html" > "$T/dom-$s_" \
	    2> "$T/chromium-$s_.err" ||
	    fail "chromium ($s_): exit $?: $(tail -n 3 "$T/chromium-$s_.err")"
	sed -n '/<pre id="measured">/,/<\/pre>/p' "$T/dom-$s_" |
	    sed 's/<[^>]*>//g; /^$/d' > "$T/width-$s_"
	[ "$(wc -l < "$T/width-$s_")" = 6 ] ||
	    fail "chromium ($s_) measured nothing: $(head -c 300 "$T/dom-$s_")"
}
measure light
measure dark
for s in light dark; do
	while read -r id vp sc bg tx wide; do
		echo "$s $id: $vp $sc $bg $tx"
		[ "$vp" = "viewport=${id##*-}" ] ||
		    fail "$s $id: the frame is not ${id##*-} px wide: $vp"
		[ "${sc#scroll=}" -le "${vp#viewport=}" ] ||
		    fail "$s $id: wider than the screen ($sc, $vp): $wide"
	done < "$T/width-$s"
done
paste -d ' ' "$T/width-light" "$T/width-dark" |
while read -r id vp sc bg tx wide id2 vp2 sc2 bg2 tx2 wide2; do
	[ "$sc" = "$sc2" ] || fail "$id: dark mode changes the width"
	[ "$bg" != "$bg2" ] || fail "$id: dark mode keeps the $bg"
	[ "$tx" != "$tx2" ] || fail "$id: dark mode keeps the $tx"
	[ "$bg2" = "background=rgb(13,17,23)" ] ||
	    fail "$id: dark mode's $bg2"
done
echo ok
