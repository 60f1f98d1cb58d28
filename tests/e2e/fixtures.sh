# fixtures.sh: aggregate reports written for the report commands' tests
# (sourced after lib.sh). Each domain's history exercises one class or one
# rule of sources and advise; tests/golden/ holds what they print.
#
# Functions share the caller's variables (POSIX sh): report uses only
# dir org schema day pol domain begin end f t v ip count hf disp dk sp
# dkims spfs reasons r x a b c; callers loop over other names.
#
# report DIR ORG SCHEMA DAY POLICY < RECORDS
#   writes one report of ORG (a reporter) for the day (YYYY-MM-DD, one
#   UTC day). SCHEMA: 7489 or 9990. POLICY: tag=value,... of
#   policy_published (domain required). RECORDS, one per line:
#     IP COUNT HEADER_FROM DISPOSITION DKIM SPF DKIM_RESULTS SPF_RESULTS REASONS
#   DKIM and SPF are policy_evaluated; DKIM_RESULTS is domain:selector:result
#   and SPF_RESULTS domain:scope:result, comma-separated, "-" for none;
#   REASONS: reasons, comma-separated, each TYPE or TYPE:COMMENT ("+"
#   for a space in the comment), "-" for none.
#
# reports DIR < LINES
#   writes many reports in one awk, for tests that need thousands: each
#   line is ORG SCHEMA DAY POLICY followed by one record as above; the
#   consecutive lines of the same ORG, SCHEMA, DAY and POLICY make one
#   report (the same four again, later, would overwrite it).

# tag VALUE-LIST NAME: the value of NAME in "a=1,b=2".
tag() {
	printf '%s\n' "$1" | tr ',' '\n' | sed -n "s/^$2=//p"
}

# The XML of both: with head set (ORG SCHEMA DAY POLICY), every line is
# a record of that one report, which is written even without records.
report_awk='
function tag(name,   n, i, parts) {
	n = split(pol, parts, ",")
	for (i = 1; i <= n; i++)
		if (index(parts[i], name "=") == 1)
			return substr(parts[i], length(name) + 2)
	return ""
}
# Days from 1970-01-01 to the date YYYY-MM-DD (proleptic Gregorian).
function epoch_day(s,   y, m, d, era, yoe, doy, doe) {
	y = substr(s, 1, 4) + 0
	m = substr(s, 6, 2) + 0
	d = substr(s, 9, 2) + 0
	y -= m <= 2
	era = int(y / 400)
	yoe = y - era * 400
	doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return era * 146097 + doe - 719468
}
function open_report(   domain, end, nt, ts, i, v) {
	domain = tag("domain")
	end = begin + 86399
	f = dir "/" org "!" domain "!" begin "!" end ".xml"
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" > f
	if (schema == 9990) {
		print "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">" > f
		print "<version>1.0</version>" > f
	} else
		print "<feedback>" > f
	printf "<report_metadata><org_name>%s</org_name>", org > f
	printf "<email>noreply-dmarc@%s</email>", org > f
	printf "<report_id>%s-%s-%s</report_id>", org, domain, day > f
	printf "<date_range><begin>%s</begin><end>%s</end>", begin, end > f
	print "</date_range></report_metadata>" > f
	printf "<policy_published><domain>%s</domain>", domain > f
	nt = split("adkim aspf p sp np pct fo testing", ts, " ")
	for (i = 1; i <= nt; i++)
		if ((v = tag(ts[i])) != "")
			printf "<%s>%s</%s>", ts[i], v, ts[i] > f
	print "</policy_published>" > f
}
function close_report() {
	print "</feedback>" > f
	close(f)
}
# The record in fields o+1 to o+9 of the line.
function record(o,   n, i, rs, c, cm, xs, abc) {
	printf "<record><row><source_ip>%s</source_ip>", $(o + 1) > f
	printf "<count>%s</count><policy_evaluated>", $(o + 2) > f
	printf "<disposition>%s</disposition>", $(o + 4) > f
	printf "<dkim>%s</dkim><spf>%s</spf>", $(o + 5), $(o + 6) > f
	if ($(o + 9) != "-") {
		n = split($(o + 9), rs, ",")
		for (i = 1; i <= n; i++) {
			# TYPE, or TYPE:COMMENT ("+" for a space)
			c = index(rs[i], ":")
			if (c == 0) {
				printf "<reason><type>%s</type></reason>", \
				    rs[i] > f
				continue
			}
			cm = substr(rs[i], c + 1)
			gsub(/\+/, " ", cm)
			printf "<reason><type>%s</type><comment>%s" \
			    "</comment></reason>", substr(rs[i], 1, c - 1), \
			    cm > f
		}
	}
	printf "</policy_evaluated></row><identifiers>" > f
	printf "<header_from>%s</header_from>", $(o + 3) > f
	printf "</identifiers><auth_results>" > f
	if ($(o + 7) != "-") {
		n = split($(o + 7), xs, ",")
		for (i = 1; i <= n; i++) {
			split(xs[i], abc, ":")
			printf "<dkim><domain>%s</domain>", abc[1] > f
			printf "<selector>%s</selector>", abc[2] > f
			printf "<result>%s</result></dkim>", abc[3] > f
		}
	}
	if ($(o + 8) != "-") {
		n = split($(o + 8), xs, ",")
		for (i = 1; i <= n; i++) {
			split(xs[i], abc, ":")
			printf "<spf><domain>%s</domain>", abc[1] > f
			printf "<scope>%s</scope>", abc[2] > f
			printf "<result>%s</result></spf>", abc[3] > f
		}
	}
	print "</auth_results></record>" > f
}
BEGIN {
	if (head != "")
		open_report()
}
head != "" && NF > 0 {
	record(0)
}
head == "" && NF > 0 {
	if ($1 " " $2 " " $3 " " $4 != cur) {
		if (cur != "")
			close_report()
		cur = $1 " " $2 " " $3 " " $4
		org = $1
		schema = $2
		day = $3
		pol = $4
		begin = epoch_day(day) * 86400
		open_report()
	}
	record(4)
}
END {
	if (head != "" || cur != "")
		close_report()
}'

report() {
	dir=$1 org=$2 schema=$3 day=$4 pol=$5
	begin=$(date -u -d "$day" +%s)
	# One awk per report: the tests write hundreds of them.
	awk -v dir="$dir" -v org="$org" -v schema="$schema" -v day="$day" \
	    -v pol="$pol" -v begin="$begin" -v head=1 "$report_awk"
}

reports() {
	awk -v dir="$1" "$report_awk"
}

# days FIRST N: N dates from FIRST, one a line.
days() {
	i=0
	while [ "$i" -lt "$2" ]; do
		date -u -d "$1 + $i days" +%Y-%m-%d
		i=$((i + 1))
	done
}

# Good mail of a domain: aligned DKIM and SPF from one address.
good() {
	echo "192.0.2.1 ${2:-100} $1 none pass pass $1:s1:pass $1:mfrom:pass -"
}

# The fixture set, as of 2026-03-01 (its window: 30 days to 2026-02-28).
fixtures() {
	dir=$1
	mkdir -p "$dir"

	# example.com: every class, three configured senders.
	for day_ in $(days 2026-02-01 28); do
		report "$dir" google.com 7489 "$day_" \
		    domain=example.com,adkim=r,aspf=r,p=none,pct=100 <<-EOF
		192.0.2.10 500 example.com none pass pass example.com:s1:pass example.com:mfrom:pass -
		198.51.100.20 200 example.com none pass fail example.com:k1:pass mcsv.net:mfrom:pass -
		203.0.113.30 20 example.com none fail fail - bounces.esp.example:mfrom:pass -
		192.0.2.40 5 example.com none fail fail example.com:s1:fail example.com:mfrom:fail -
		209.85.1.1 3 example.com none pass fail example.com:s1:pass example.com:mfrom:fail -
		209.85.2.2 2 example.com none fail fail example.com:s1:fail lists.example.org:mfrom:pass mailing_list
		185.1.1.1 4 example.com none fail fail - example.com:mfrom:fail -
		100.64.0.1 10 example.com none pass pass example.com:s9:pass example.com:mfrom:pass -
		EOF
	done
	for day_ in $(days 2026-02-02 14); do
		report "$dir" Yahoo 9990 "$day_" \
		    domain=example.com,p=none,testing=n <<-EOF
		192.0.2.10 100 example.com none pass pass example.com:s1:pass example.com:mfrom:pass -
		EOF
	done

	# Alignment: strict DKIM, relaxed SPF through a subdomain.
	for day_ in $(days 2026-02-20 9); do
		report "$dir" google.com 7489 "$day_" \
		    domain=strict.example,adkim=s,aspf=r,p=none <<-EOF
		192.0.2.7 50 strict.example none fail pass mail.strict.example:s1:pass bounce.strict.example:mfrom:pass -
		192.0.2.8 5 strict.example none fail fail mail.strict.example:s1:pass other.example:mfrom:pass -
		EOF
	done

	# The ladder, one domain per step, without configuration.
	for day_ in $(days 2026-02-01 28); do
		report "$dir" google.com 7489 "$day_" \
		    domain=l0-advance.example,p=none <<-EOF
		$(good l0-advance.example)
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=l1-advance.example,p=quarantine,pct=0 <<-EOF
		$(good l1-advance.example)
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=l1-partial.example,p=quarantine,pct=0 <<-EOF
		$(good l1-partial.example)
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=l2-advance.example,p=quarantine,pct=25 <<-EOF
		$(good l2-advance.example)
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=l3-advance.example,p=quarantine <<-EOF
		$(good l3-advance.example)
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=l3-nodkim.example,p=quarantine <<-EOF
		$(good l3-nodkim.example 80)
		192.0.2.2 120 l3-nodkim.example none fail pass - l3-nodkim.example:mfrom:pass -
		198.18.0.1 6 l3-nodkim.example none fail fail l3-nodkim.example:s1:fail lists.example.net:mfrom:pass mailing_list
		EOF
		report "$dir" Mail.Ru 9990 "$day_" \
		    domain=l4-advance.example,p=reject,testing=y <<-EOF
		$(good l4-advance.example)
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=l5-hold.example,p=reject,np=reject <<-EOF
		$(good l5-hold.example)
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=l5-stepback.example,p=reject <<-EOF
		$(good l5-stepback.example 90)
		192.0.2.1 10 l5-stepback.example reject fail fail l5-stepback.example:s1:fail l5-stepback.example:mfrom:fail -
		EOF
		report "$dir" google.com 7489 "$day_" \
		    domain=subdomains.example,p=none <<-EOF
		$(good subdomains.example)
		192.0.2.3 40 news.subdomains.example none pass pass news.subdomains.example:s1:pass news.subdomains.example:mfrom:pass -
		EOF
	done
	# Changed to quarantine eight days ago: too soon for the next step.
	for day_ in $(days 2026-02-01 20); do
		report "$dir" google.com 7489 "$day_" \
		    domain=l3-recent.example,p=none <<-EOF
		$(good l3-recent.example)
		EOF
	done
	for day_ in $(days 2026-02-21 8); do
		report "$dir" google.com 7489 "$day_" \
		    domain=l3-recent.example,p=quarantine <<-EOF
		$(good l3-recent.example)
		EOF
	done
	# Monitoring for five days only, and with little mail.
	for day_ in $(days 2026-02-24 5); do
		report "$dir" google.com 7489 "$day_" \
		    domain=l0-young.example,p=none <<-EOF
		$(good l0-young.example 10)
		EOF
	done
}

# views_reports DIR: example.com's reports of February 2026 (sources.conf:
# its three senders, one of each rule kind: our MTA, ip; Mailchimp,
# dkim; ESP, spf; and every class) and of a day before, and a file
# that is not a report, in DIR (made).
views_reports() {
	mkdir "$1"
	for d in $(days 2026-02-01 28) 2026-01-15; do
		while read -r l; do
			echo "google.com 7489 $d domain=example.com,adkim=r,aspf=r,p=none $l"
		done <<-EOF
		192.0.2.10 500 example.com none pass pass example.com:s1:pass example.com:mfrom:pass -
		198.51.100.20 200 example.com none pass fail example.com:k1:pass mcsv.net:mfrom:pass -
		203.0.113.30 20 example.com none fail fail - bounces.esp.example:mfrom:pass -
		192.0.2.40 5 example.com none fail fail example.com:s1:fail example.com:mfrom:fail -
		209.85.1.1 3 example.com none pass fail example.com:s1:pass example.com:mfrom:fail -
		209.85.2.2 2 example.com none fail fail example.com:s1:fail lists.example.org:mfrom:pass mailing_list
		185.1.1.1 4 example.com none fail fail - example.com:mfrom:fail -
		100.64.0.1 10 example.com none pass pass example.com:s9:pass example.com:mfrom:pass -
		EOF
	done | reports "$1"
	echo "not a report" > "$1/junk.xml"
}
