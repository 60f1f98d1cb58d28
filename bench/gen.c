/*
 * gen.c: a deterministic generator of realistic DMARC aggregate reports.
 *
 *   gen [-s seed] [-S 7489|9990|mix] [-f xml|gz|zip|mix] -n records -o file
 *   gen [-s seed] [-S ...] [-f ...] [-E] -r reports -m min -M max -d dir
 *   gen [-s seed] [-S ...] [-f ...] [-E] -D days [-b YYYY-MM-DD]
 *       [-N domains] [-R reporters] [-k i/n] -T records -d dir
 *   gen [-s seed] [-f ...] -H -r reports -m min -M max -d dir
 *   gen [-s seed] [-f ...] -F domains -r reports -m min -M max -d dir
 *
 * The first form writes one report of exactly n records; the second
 * writes r reports of min to max records each into dir, named as
 * reporters name them; with -E each is an email message instead (the
 * report attached, base64), in a file mNNNNNN.eml. The same arguments
 * always give the same bytes.
 *
 * With -H (high cardinality, a forged report's worst case) every record
 * has a source address, header_from, DKIM and SPF domain of its own,
 * never repeated in the run; the reports are all for example.com, on
 * consecutive days from 2026-01-01.
 *
 * With -F n (forged domains: anyone may send a report about any domain)
 * report i is about the policy domain d<i mod n>.forged.example, its
 * records' header_from too, on day i mod 7 from 2026-01-01.
 *
 * The third form writes a store's worth of daily reports: each of R
 * reporters (default 6) sends one report a day for each of N policy
 * domains (default 20) that it saw mail from, for D days from the date
 * given (default 2026-01-01), about T records in all. Volume is skewed:
 * the first domain has about half of it, the rest a Zipf tail; the
 * reporters' shares are those of big mailbox providers; weekends are
 * quieter and volume grows over the period. Each sending service has a
 * pool of addresses that grows over the period, used with a skew (a few
 * busy addresses, many quiet ones); a new service appears part way;
 * forwarders keep DKIM and break SPF; spoofers come from a long tail of
 * addresses seen once. Each domain moves up the policy ladder on its
 * own schedule. Every report is generated from its own seed, so -k i/n
 * (only days i, i+n, i+2n, ...) lets n processes share the work and
 * still write the same files.
 *
 * Reports look like real ones: a handful of reporters with their habits
 * (Google's zip and numeric ids, Microsoft's envelope_to, Yahoo's ids,
 * RFC 9990 namespaces from GMX and WEB.DE), pretty-printed XML, IPv4 and
 * IPv6 sources from authorised services, forwarders and spoofers, counts
 * with a long tail, one to three DKIM results and one or two SPF results,
 * and the occasional override reason.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "buf.h"

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t rng;

static uint64_t
next(void)
{
	uint64_t	z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next() % n);
}

static int
chance(unsigned percent)
{
	return pick(100) < percent;
}

struct reporter {
	const char	*org;
	const char	*email;
	const char	*fname;		/* receiver part of the file name */
	int		 rfc9990;	/* 1: always; 0: never; 2: by -S */
	int		 envelope_to;
	int		 zip;		/* sends zip rather than gzip */
};

static const struct reporter reporters[] = {
	{ "google.com", "noreply-dmarc-support@google.com", "google.com",
	    2, 0, 1 },
	{ "Outlook.com", "dmarcreport@microsoft.com", "protection.outlook.com",
	    2, 1, 0 },
	{ "Yahoo", "dmarchelp@yahooinc.com", "yahoo.com", 2, 0, 0 },
	{ "Mail.Ru", "dmarc_support@corp.mail.ru", "mail.ru", 0, 0, 0 },
	{ "AMAZON-SES", "postmaster@amazonses.com", "amazonses.com", 0, 0, 0 },
	{ "Mimecast", "dmarc-reports@mimecast.org", "mimecast.org", 2, 0, 1 },
	{ "GMX", "noreply-dmarc@gmx.net", "gmx.net", 1, 0, 0 },
	{ "WEB.DE", "noreply-dmarc@web.de", "web.de", 1, 0, 0 },
	{ "Fastmail Pty Ltd", "dmarc-reports@fastmail.com", "fastmail.com",
	    2, 0, 0 },
	{ "Comcast", "dmarc_reports@comcast.net", "comcast.net", 0, 0, 0 },
};
#define NREPORTERS	(sizeof reporters / sizeof reporters[0])

static const char *const domains[] = {
	"example.com", "example.org", "example.net", "shop.example",
	"news.example.com", "example.co.uk",
};
#define NDOMAINS	(sizeof domains / sizeof domains[0])

/* Sending services: some authorised, some not. */
struct sender {
	const char	*dkim;		/* signing domain, NULL: none */
	const char	*selector;
	const char	*spf;		/* envelope-from domain */
	int		 v6;
	unsigned	 net[2];	/* first two octets, or IPv6 /32 */
	unsigned	 pass;		/* percent passing */
	unsigned	 weight;
};

static const struct sender senders[] = {
	{ "@", "selector1", "@", 0, { 198, 51 }, 99, 30 },	  /* own MTA */
	{ "@", "google", "@", 1, { 0x2001, 0xdb8 }, 98, 20 },	  /* Google */
	{ "sendgrid.net", "s1", "bounces.sendgrid.net", 0, { 167, 89 },
	    95, 10 },
	{ "@", "k1", "mcsv.net", 0, { 205, 201 }, 97, 8 },	  /* Mailchimp */
	{ "amazonses.com", "ug7nbtf4", "amazonses.com", 0, { 54, 240 },
	    90, 6 },
	{ NULL, NULL, "@", 0, { 203, 0 }, 40, 6 },		  /* misconf. */
	{ "lists.example.org", "l", "lists.example.org", 0, { 192, 0 },
	    60, 5 },						  /* list */
	{ NULL, NULL, "spoof.example", 0, { 45, 0 }, 0, 10 },	  /* spoof */
	{ NULL, NULL, "@", 1, { 0x2a02, 0x1234 }, 5, 5 },	  /* spoof v6 */
};
#define NSENDERS	(sizeof senders / sizeof senders[0])

/*
 * The services behind daily reports (-D), with their address pools
 * (grown from half their size to all of it over the period).
 */
struct dsender {
	struct sender	 s;		/* first: a sender is a dsender */
	unsigned	 pool;		/* addresses; 0: a long tail */
	unsigned	 start;		/* appears after this % of days */
	int		 fwd;		/* a forwarder: SPF always fails */
	int		 all;		/* used by every domain */
};

static const struct dsender dsenders[] = {
	{ { "@", "selector1", "@", 0, { 198, 51 }, 99, 20 }, 16, 0, 0, 1 },
	{ { "@", "google", "@", 1, { 0x2001, 0xdb8 }, 98, 22 }, 2048, 0, 0,
	    0 },
	{ { "sendgrid.net", "s1", "bounces.sendgrid.net", 0, { 167, 89 },
	    95, 8 }, 1024, 0, 0, 0 },
	{ { "@", "k1", "mcsv.net", 0, { 205, 201 }, 97, 8 }, 512, 0, 0, 0 },
	{ { "amazonses.com", "ug7nbtf4", "amazonses.com", 0, { 54, 240 },
	    90, 6 }, 2048, 0, 0, 0 },
	{ { "@", "scph0123", "sparkpostmail.com", 0, { 192, 174 }, 97, 8 },
	    256, 70, 0, 0 },				/* a new ESP */
	{ { NULL, NULL, "@", 0, { 203, 0 }, 40, 3 }, 32, 0, 0, 1 },
	{ { "lists.example.org", "l", "lists.example.org", 0, { 192, 0 },
	    60, 3 }, 64, 0, 0, 1 },
	{ { "@", "selector1", "@", 0, { 40, 92 }, 90, 6 }, 4096, 0, 1, 1 },
	{ { NULL, NULL, "spoof.example", 0, { 45, 0 }, 0, 10 }, 0, 0, 0, 1 },
	{ { NULL, NULL, "@", 1, { 0x2a02, 0x1234 }, 5, 6 }, 0, 0, 0, 1 },
};
#define NDSENDERS	(sizeof dsenders / sizeof dsenders[0])

/* Daily reports: the day, the period's length, the domain's index. */
struct daily {
	unsigned	 day, days, dom;
};
static const struct daily *daily;

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Whether a daily sender sends for the domain on the day: weight or 0. */
static unsigned
dweight(const struct dsender *s, const struct daily *d)
{
	if (d->day * 100 < s->start * d->days)
		return 0;
	if (!s->all && mix((uint64_t)d->dom * 64 + (uint64_t)(s - dsenders))
	    % 3 == 0)
		return 0;
	return s->s.weight;
}

static const struct sender *
pick_sender(void)
{
	unsigned	total = 0, r, i, w;

	if (daily != NULL) {
		for (i = 0; i < NDSENDERS; i++)
			total += dweight(&dsenders[i], daily);
		r = pick(total);
		for (i = 0; i < NDSENDERS; i++) {
			w = dweight(&dsenders[i], daily);
			if (r < w)
				return &dsenders[i].s;
			r -= w;
		}
		return &dsenders[0].s;
	}
	for (i = 0; i < NSENDERS; i++)
		total += senders[i].weight;
	r = pick(total);
	for (i = 0; i < NSENDERS; i++) {
		if (r < senders[i].weight)
			return &senders[i];
		r -= senders[i].weight;
	}
	return &senders[0];
}

/* Long-tail spoofers: anywhere in these /8s, hardly ever twice. */
static const unsigned spoof_nets[] = { 45, 91, 103, 185, 194, 212 };

/*
 * The source address of a record. Daily reports draw from the sender's
 * pool, busy addresses first (the product of two uniform draws); the pool
 * grows over the period, so new addresses keep appearing.
 */
static void
pick_ip(const struct sender *s, char *ip, size_t len)
{
	const struct dsender	*ds = (const struct dsender *)s;
	uint64_t		 h;
	unsigned		 n, k;

	if (daily == NULL || ds->pool == 0) {
		if (daily != NULL && !s->v6) {
			snprintf(ip, len, "%u.%u.%u.%u", spoof_nets[pick(
			    sizeof spoof_nets / sizeof spoof_nets[0])],
			    pick(256), pick(256), 1 + pick(254));
			return;
		}
		if (s->v6)
			snprintf(ip, len, "%x:%x:%x:%x::%x", s->net[0],
			    s->net[1], pick(65536), pick(256), 1 + pick(4094));
		else
			snprintf(ip, len, "%u.%u.%u.%u", s->net[0], s->net[1],
			    pick(256), 1 + pick(254));
		return;
	}
	n = ds->pool / 2 + (unsigned)((uint64_t)ds->pool / 2 * daily->day /
	    daily->days);
	if (n == 0)
		n = 1;
	k = pick(n);
	k = (unsigned)((uint64_t)k * pick(n) / n);
	h = mix(((uint64_t)(ds - dsenders) << 32) | k);
	if (s->v6)
		snprintf(ip, len, "%x:%x:%x:%x::%x", s->net[0], s->net[1],
		    (unsigned)(h & 0xffff), (unsigned)(h >> 16 & 0xff),
		    1 + (unsigned)(h >> 24 & 0xfff));
	else
		snprintf(ip, len, "%u.%u.%u.%u", s->net[0], s->net[1],
		    (unsigned)(h & 0xff), 1 + (unsigned)(h >> 8 & 0xff) % 254);
}

/* Message counts: mostly 1 to 10, a long tail to thousands. */
static unsigned
pick_count(void)
{
	unsigned	r = pick(1000);

	if (r < 600)
		return 1 + pick(3);
	if (r < 900)
		return 1 + pick(20);
	if (r < 990)
		return 1 + pick(500);
	return 1 + pick(20000);
}

static const char *
dom(const char *d, const char *own)
{
	return strcmp(d, "@") == 0 ? own : d;
}

static void
put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	char	tmp[1024];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_add(b, tmp, (size_t)n) == -1) {
		fprintf(stderr, "gen: out of memory\n");
		exit(1);
	}
}

static int hicard;		/* -H */
static unsigned long forged;	/* -F: forged policy domains */
static unsigned long hicard_n;	/* records written so far */

/*
 * A record of its own: address, header_from, DKIM and SPF domain never
 * seen before (n below 2^26), failing or passing by chance. The names
 * and addresses are bijections of n that scatter them, so that no
 * order of the sources follows the order of the records (or of their
 * signatures), as with an attacker's random names. Without
 * indentation, so that 500,000 of them stay within ingest's default
 * --max-bytes.
 */
static void
hicard_record(struct buf *b)
{
	unsigned long		n = hicard_n++;
	unsigned long long	a = (n * 0x9e3779b1UL + 12345) & 0x3ffffff;
	int			pass = chance(10);

	put(b, "<record><row><source_ip>%lu.%llu.%llu.%llu</source_ip>"
	    "<count>%u</count><policy_evaluated>"
	    "<disposition>none</disposition><dkim>%s</dkim><spf>fail</spf>"
	    "</policy_evaluated></row><identifiers>"
	    "<header_from>h%016llx.example</header_from></identifiers>"
	    "<auth_results><dkim><domain>d%016llx.example</domain>"
	    "<selector>s</selector><result>%s</result></dkim>"
	    "<spf><domain>s%016llx.example</domain><result>%s</result></spf>"
	    "</auth_results></record>\n",
	    (unsigned long)spoof_nets[a >> 24], a >> 16 & 255, a >> 8 & 255,
	    a & 255, pick_count(), pass ? "pass" : "fail",
	    (unsigned long long)mix(n ^ 0x68), (unsigned long long)mix(n ^
	    0x64), pass ? "pass" : "fail", (unsigned long long)mix(n ^ 0x73),
	    chance(50) ? "softfail" : "fail");
}

static void
record(struct buf *b, const struct reporter *rep, const char *domain,
    const char *policy)
{
	const struct sender	*s = pick_sender();
	const char		*hf = domain, *disp = "none";
	char			 ip[64];
	int			 dkim_ok, spf_ok, aligned_dkim, aligned_spf;
	unsigned		 ndkim, i;

	pick_ip(s, ip, sizeof ip);
	dkim_ok = s->dkim != NULL && chance(s->pass);
	spf_ok = chance(s->pass) &&
	    (daily == NULL || !((const struct dsender *)s)->fwd);
	aligned_dkim = dkim_ok && strcmp(s->dkim, "@") == 0;
	aligned_spf = spf_ok && strcmp(s->spf, "@") == 0;
	if (!aligned_dkim && !aligned_spf && strcmp(policy, "none") != 0)
		disp = chance(90) ? policy : "none";

	put(b, "  <record>\n    <row>\n      <source_ip>%s</source_ip>\n"
	    "      <count>%u</count>\n      <policy_evaluated>\n"
	    "        <disposition>%s</disposition>\n"
	    "        <dkim>%s</dkim>\n        <spf>%s</spf>\n", ip,
	    pick_count(), disp, aligned_dkim ? "pass" : "fail",
	    aligned_spf ? "pass" : "fail");
	if (!aligned_dkim && !aligned_spf && chance(8))
		put(b, "        <reason>\n          <type>%s</type>\n"
		    "          <comment>%s</comment>\n        </reason>\n",
		    chance(50) ? "forwarded" : chance(50) ? "mailing_list" :
		    "local_policy", chance(50) ? "arc=pass" : "");
	put(b, "      </policy_evaluated>\n    </row>\n    <identifiers>\n");
	if (rep->envelope_to)
		put(b, "      <envelope_to>%s</envelope_to>\n",
		    chance(50) ? "hotmail.com" : "outlook.com");
	put(b, "      <envelope_from>%s</envelope_from>\n"
	    "      <header_from>%s</header_from>\n    </identifiers>\n"
	    "    <auth_results>\n", dom(s->spf, domain), hf);
	ndkim = s->dkim == NULL ? (chance(30) ? 1 : 0) : 1 + pick(3);
	for (i = 0; i < ndkim; i++) {
		const char *d = i == 0 && s->dkim ? dom(s->dkim, domain) :
		    i == 1 ? "esp.example.net" : domain;
		put(b, "      <dkim>\n        <domain>%s</domain>\n"
		    "        <selector>%s</selector>\n"
		    "        <result>%s</result>\n", d,
		    s->selector ? s->selector : "default",
		    i == 0 ? (dkim_ok ? "pass" : "fail") :
		    chance(80) ? "pass" : "neutral");
		if (chance(10))
			put(b, "        <human_result>%s</human_result>\n",
			    dkim_ok ? "" : "signature verification failed");
		put(b, "      </dkim>\n");
	}
	put(b, "      <spf>\n        <domain>%s</domain>\n"
	    "        <scope>mfrom</scope>\n        <result>%s</result>\n"
	    "      </spf>\n", dom(s->spf, domain), spf_ok ? "pass" :
	    chance(50) ? "softfail" : "fail");
	if (chance(15))
		put(b, "      <spf>\n        <domain>mx%u.%s</domain>\n"
		    "        <scope>helo</scope>\n        <result>pass</result>"
		    "\n      </spf>\n", pick(4), dom(s->spf, domain));
	put(b, "    </auth_results>\n  </record>\n");
}

struct out {
	FILE		*f;
	gzFile		 gz;
	struct buf	 mem;		/* zip: the XML, then written whole */
	int		 kind;		/* 'x', 'g', 'z' */
	char		*path;
	char		*member;
};

static void
out_open(struct out *o, const char *path, int kind, const char *member)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->path = strdup(path);
	o->member = strdup(member);
	if (kind == 'x')
		o->f = fopen(path, "wb");
	else if (kind == 'g')
		o->gz = gzopen(path, "wb6");
	if ((kind == 'x' && o->f == NULL) || (kind == 'g' && o->gz == NULL)) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Pass buffered XML on; keeps memory flat for large reports. */
static void
out_flush(struct out *o, struct buf *b)
{
	if (o->kind == 'x') {
		if (fwrite(b->data, 1, b->len, o->f) != b->len)
			goto fail;
	} else if (o->kind == 'g') {
		if (b->len > 0 && gzwrite(o->gz, b->data, (unsigned)b->len) <= 0)
			goto fail;
	} else if (buf_add(&o->mem, b->data, b->len) == -1)
		goto fail;
	buf_reset(b);
	return;
fail:
	fprintf(stderr, "gen: %s: write failed\n", o->path);
	exit(1);
}

static void
out_close(struct out *o)
{
	struct archive		*a;
	struct archive_entry	*e;

	if (o->kind == 'x' && fclose(o->f) != 0)
		goto fail;
	if (o->kind == 'g' && gzclose(o->gz) != Z_OK)
		goto fail;
	if (o->kind == 'z') {
		a = archive_write_new();
		archive_write_set_format_zip(a);
		if (archive_write_open_filename(a, o->path) != ARCHIVE_OK)
			goto fail;
		e = archive_entry_new();
		archive_entry_set_pathname(e, o->member);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1700000000, 0);
		archive_entry_set_size(e, (la_int64_t)o->mem.len);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, o->mem.data, o->mem.len) !=
		    (la_ssize_t)o->mem.len || archive_write_close(a) !=
		    ARCHIVE_OK)
			goto fail;
		archive_entry_free(e);
		archive_write_free(a);
	}
	buf_free(&o->mem);
	free(o->path);
	free(o->member);
	return;
fail:
	fprintf(stderr, "gen: %s: write failed\n", o->path);
	exit(1);
}

static int email;	/* -E */

static void
base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char	t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			i, col = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		fputc(t[v >> 18 & 63], f);
		fputc(t[v >> 12 & 63], f);
		fputc(i + 1 < n ? t[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? t[v & 63] : '=', f);
		if ((col += 4) == 76) {
			fputs("\r\n", f);
			col = 0;
		}
	}
	fputs("\r\n", f);
}

/* Wrap the report file in an email message, as reporters send them. */
static void
wrap(const char *file, const struct reporter *rep, const char *domain,
    unsigned long idx, long long begin, const char *rid)
{
	struct buf	 b = { 0 };
	char		 out[64], chunk[65536];
	FILE		*in, *f;
	size_t		 n;
	time_t		 t = (time_t)(begin + 86400 + 3600);
	struct tm	 tm;
	char		 date[64];
	const char	*type;

	in = fopen(file, "rb");
	while (in != NULL && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
		buf_add(&b, chunk, n);
	if (in == NULL || ferror(in)) {
		fprintf(stderr, "gen: %s: cannot read back\n", file);
		exit(1);
	}
	fclose(in);
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(out, sizeof out, "m%06lu.eml", idx);
	f = fopen(out, "wb");
	if (f == NULL) {
		fprintf(stderr, "gen: %s: cannot write\n", out);
		exit(1);
	}
	type = strstr(file, ".zip") ? "application/zip" :
	    strstr(file, ".gz") ? (chance(50) ? "application/gzip" :
	    "application/octet-stream") : "text/xml";
	fprintf(f, "Return-Path: <%s>\r\n"
	    "Received: from mx.%s by mx.%s; %s\r\n"
	    "Date: %s\r\nFrom: %s <%s>\r\nTo: dmarc-reports@%s\r\n"
	    "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>\r\n"
	    "Message-ID: <%s.%lu@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b%lu\"\r\n\r\n"
	    "This is a multi-part message in MIME format.\r\n\r\n"
	    "--b%lu\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
	    "This is an aggregate report from %s.\r\n\r\n"
	    "--b%lu\r\nContent-Type: %s; name=\"%s\"\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n",
	    rep->email, rep->fname, domain, date, date, rep->org, rep->email,
	    domain, domain, rep->fname, rid, rid, idx, rep->fname, idx, idx,
	    rep->org, idx, type, file, file);
	base64(f, (unsigned char *)b.data, b.len);
	fprintf(f, "\r\n--b%lu--\r\n", idx);
	if (fclose(f) != 0 || unlink(file) != 0) {
		fprintf(stderr, "gen: %s: write failed\n", out);
		exit(1);
	}
	buf_free(&b);
}

/* What a daily report is about; the other forms draw it at random. */
struct spec {
	const struct reporter	*rep;
	const char		*domain;
	const char		*policy;
	long long		 begin;
};

/* One report of nrec records. */
static void
report(const char *path, int kind, int schema, unsigned long nrec,
    unsigned long idx, char *name, size_t namelen, const struct spec *sp)
{
	const struct reporter	*rep = sp ? sp->rep :
	    &reporters[pick(NREPORTERS)];
	const char		*domain = sp ? sp->domain :
	    domains[pick(NDOMAINS)];
	static char		 fdomain[64];
	const char		*policy;
	struct buf		 b = { 0 };
	struct out		 o;
	long long		 begin;
	unsigned long		 i;
	int			 v2;
	char			 file[512], member[256], rid[64];

	if (sp == NULL && forged > 0) {
		snprintf(fdomain, sizeof fdomain, "d%lu.forged.example",
		    idx % forged);
		domain = fdomain;
	}
	v2 = rep->rfc9990 == 1 || (rep->rfc9990 == 2 &&
	    (schema == 9990 || (schema == 0 && chance(30))));
	if (sp != NULL) {
		policy = sp->policy;
		begin = sp->begin;
	} else {
		policy = chance(50) ? "none" : chance(50) ? "quarantine" :
		    "reject";
		/* Forged domains: all in the first week of 2026. */
		begin = 1767225600LL + (long long)(idx % (forged > 0 ? 7 :
		    3650)) * 86400;
	}
	if (hicard) {
		domain = "example.com";
		policy = "none";
	}
	if (kind == 0)
		kind = rep->zip ? (chance(80) ? 'z' : 'g') :
		    chance(85) ? 'g' : 'x';
	snprintf(member, sizeof member, "%s!%s!%lld!%lld!%lu.xml", rep->fname,
	    domain, begin, begin + 86399, idx);
	snprintf(file, sizeof file, "%s%s", member, kind == 'g' ? ".gz" :
	    kind == 'z' ? ".zip" : "");
	if (name != NULL)
		snprintf(name, namelen, "%s", file);
	out_open(&o, path ? path : file, kind, member);

	put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
	if (v2)
		put(&b, "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
		    "\n  <version>1.0</version>\n");
	else
		put(&b, "<feedback>\n");
	put(&b, "  <report_metadata>\n    <org_name>%s</org_name>\n"
	    "    <email>%s</email>\n", rep->org, rep->email);
	if (chance(40))
		put(&b, "    <extra_contact_info>https://support.%s/dmarc"
		    "</extra_contact_info>\n", rep->fname);
	snprintf(rid, sizeof rid, "%llu%lu", (unsigned long long)(next() >> 20),
	    idx);
	put(&b, "    <report_id>%s</report_id>\n    <date_range>\n"
	    "      <begin>%lld</begin>\n      <end>%lld</end>\n"
	    "    </date_range>\n", rid, begin, begin + 86399);
	if (v2)
		put(&b, "    <generator>%s DMARC 2.%u</generator>\n", rep->org,
		    pick(5));
	put(&b, "  </report_metadata>\n  <policy_published>\n"
	    "    <domain>%s</domain>\n    <adkim>r</adkim>\n    <aspf>r</aspf>"
	    "\n    <p>%s</p>\n    <sp>%s</sp>\n", domain, policy, policy);
	if (v2)
		put(&b, "    <np>reject</np>\n    <testing>%s</testing>\n"
		    "    <discovery_method>%s</discovery_method>\n",
		    chance(20) ? "y" : "n", chance(70) ? "treewalk" : "psl");
	else
		put(&b, "    <pct>100</pct>\n    <fo>%s</fo>\n",
		    chance(50) ? "0" : "1");
	put(&b, "  </policy_published>\n");
	for (i = 0; i < nrec; i++) {
		if (hicard)
			hicard_record(&b);
		else
			record(&b, rep, domain, policy);
		if (b.len > (1 << 20))
			out_flush(&o, &b);
	}
	put(&b, "</feedback>\n");
	out_flush(&o, &b);
	out_close(&o);
	buf_free(&b);
	if (email && path == NULL)
		wrap(file, rep, domain, idx, begin, rid);
}

/* Daily reports (-D): the domains, biggest first, and the reporters. */
static const char *const ddomains[] = {
	"example.com", "example.org", "example.net", "shop.example",
	"news.example.com", "example.co.uk", "example.de", "example.fr",
	"example.io", "mail.example", "brand-a.example", "brand-b.example",
	"support.example.com", "example.nl", "example.es", "example.it",
	"events.example.org", "example.com.au", "example.ca", "example.jp",
	"billing.example.net", "example.se", "example.no", "example.dk",
	"example.pl", "example.at", "example.ch", "example.be",
	"example.pt", "example.ie", "example.fi", "example.cz",
};
#define NDDOMAINS	(sizeof ddomains / sizeof ddomains[0])

/* Google, Microsoft, Yahoo, GMX, Mail.Ru, Comcast, ...: their shares. */
static const unsigned dreporters[NREPORTERS] = { 0, 1, 2, 6, 3, 9, 7, 5, 8,
    4 };
static const double dshares[NREPORTERS] = { 45, 25, 12, 6, 5, 4, 3, 3, 2,
    2 };

/* Days since the epoch of a proleptic Gregorian date (H. Hinnant). */
static long long
civil_days(int y, unsigned m, unsigned d)
{
	long long	era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

/* The domain's policy on a day: each climbs the ladder on its own dates. */
static const char *
dpolicy(unsigned dom, unsigned day, unsigned days)
{
	unsigned	t1, t2;

	t1 = days * (15 + (unsigned)(mix(dom + 1) % 40)) / 100;
	t2 = t1 + days * (20 + (unsigned)(mix(dom + 101) % 30)) / 100;
	if (dom % 4 == 3 || day < t1)
		return "none";
	if (dom % 4 == 2 || day < t2)
		return "quarantine";
	return "reject";
}

/* Relative volume on a day: quieter weekends, growth over the period. */
static double
dvolume(long long epoch_day, unsigned day, unsigned days)
{
	/* 1970-01-01 was a Thursday; 0 is Sunday. */
	unsigned	dow = (unsigned)((epoch_day % 7 + 11) % 7);

	return (dow == 0 || dow == 6 ? 0.6 : 1.0) *
	    (0.8 + 0.4 * day / days);
}

/*
 * Daily reports: nrep reporters, ndom domains, days days from start
 * (days since the epoch), about total records; only days slice, slice
 * + nslices, ...
 */
static void
daily_reports(int kind, int schema, uint64_t seed, unsigned days,
    long long start, unsigned ndom, unsigned nrep, double total,
    unsigned slice, unsigned nslices)
{
	struct daily	 d;
	struct spec	 sp;
	double		 dw[NDDOMAINS], dsum = 0, rsum = 0, vsum = 0, x;
	unsigned	 day, r, i;
	unsigned long	 idx, nrec;

	for (i = 0; i < ndom; i++) {
		dw[i] = 1.0 / ((i + 1.0) * sqrt(i + 1.0));
		dsum += dw[i];
	}
	for (r = 0; r < nrep; r++)
		rsum += dshares[r];
	for (day = 0; day < days; day++)
		vsum += dvolume(start + day, day, days);
	daily = &d;
	d.days = days;
	for (day = slice; day < days; day += nslices) {
		d.day = day;
		sp.begin = (start + day) * 86400;
		for (idx = (unsigned long)day * nrep * ndom;
		    idx < (unsigned long)(day + 1) * nrep * ndom; idx++) {
			r = (unsigned)(idx / ndom % nrep);
			i = (unsigned)(idx % ndom);
			rng = mix(seed ^ (idx + 1) * 0x9e3779b97f4a7c15ULL);
			d.dom = i;
			sp.rep = &reporters[dreporters[r]];
			sp.domain = ddomains[i];
			sp.policy = dpolicy(i, day, days);
			/* Expected records, +-10%; the fraction by chance. */
			x = total * dw[i] / dsum * dshares[r] / rsum *
			    dvolume(start + day, day, days) / vsum *
			    (0.9 + pick(201) / 1000.0);
			nrec = (unsigned long)x;
			if (pick(1000) < (unsigned)((x - (double)nrec) * 1000))
				nrec++;
			if (nrec > 0)
				report(NULL, kind, schema, nrec, idx, NULL, 0,
				    &sp);
		}
	}
	daily = NULL;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: gen [-s seed] [-S 7489|9990|mix] [-f xml|gz|zip|mix] "
	    "-n records -o file\n"
	    "       gen [-s seed] [-S ...] [-f ...] [-E] -r reports -m min "
	    "-M max -d dir\n"
	    "       gen [-s seed] [-S ...] [-f ...] [-E] -D days "
	    "[-b YYYY-MM-DD]\n"
	    "           [-N domains] [-R reporters] [-k i/n] -T records "
	    "-d dir\n"
	    "       gen [-s seed] [-f ...] -H -r reports -m min -M max "
	    "-d dir\n"
	    "       gen [-s seed] [-f ...] -F domains -r reports -m min "
	    "-M max -d dir\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char	*out = NULL, *dir = NULL;
	unsigned long	 nrec = 0, nrep = 0, min = 1, max = 50, i;
	unsigned	 days = 0, ndom = 20, nrepd = 6;
	unsigned	 slice = 0, nslices = 1;
	long long	 start = civil_days(2026, 1, 1);
	double		 total = 0;
	int		 ch, kind = 0, schema = 0, y, mo, dd;

	rng = 1;
	while ((ch = getopt(argc, argv, "s:S:f:n:o:r:m:M:d:EHF:D:b:N:R:k:T:")) !=
	    -1) {
		switch (ch) {
		case 'D': days = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b':
			if (sscanf(optarg, "%d-%d-%d", &y, &mo, &dd) != 3 ||
			    mo < 1 || mo > 12 || dd < 1 || dd > 31)
				usage();
			start = civil_days(y, (unsigned)mo, (unsigned)dd);
			break;
		case 'N': ndom = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': nrepd = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k':
			if (sscanf(optarg, "%u/%u", &slice, &nslices) != 2 ||
			    nslices == 0 || slice >= nslices)
				usage();
			break;
		case 'T': total = strtod(optarg, NULL); break;
		case 'E': email = 1; break;
		case 'H': hicard = 1; break;
		case 'F': forged = strtoul(optarg, NULL, 10); break;
		case 's': rng = strtoull(optarg, NULL, 10); break;
		case 'S':
			schema = strcmp(optarg, "mix") == 0 ? 0 : atoi(optarg);
			if (schema != 0 && schema != 7489 && schema != 9990)
				usage();
			break;
		case 'f':
			kind = strcmp(optarg, "xml") == 0 ? 'x' :
			    strcmp(optarg, "gz") == 0 ? 'g' :
			    strcmp(optarg, "zip") == 0 ? 'z' :
			    strcmp(optarg, "mix") == 0 ? 0 : -1;
			if (kind == -1)
				usage();
			break;
		case 'n': nrec = strtoul(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'r': nrep = strtoul(optarg, NULL, 10); break;
		case 'm': min = strtoul(optarg, NULL, 10); break;
		case 'M': max = strtoul(optarg, NULL, 10); break;
		case 'd': dir = optarg; break;
		default: usage();
		}
	}
	if (out != NULL && dir == NULL) {
		report(out, kind ? kind : 'x', schema, nrec, 0, NULL, 0, NULL);
		return 0;
	}
	if (days > 0) {
		if (dir == NULL || ndom < 1 || ndom > NDDOMAINS || nrepd < 1 ||
		    nrepd > NREPORTERS || total <= 0)
			usage();
		if (chdir(dir) == -1) {
			fprintf(stderr, "gen: %s: %s\n", dir, strerror(errno));
			return 1;
		}
		daily_reports(kind, schema, rng, days, start, ndom, nrepd,
		    total, slice, nslices);
		return 0;
	}
	if (dir == NULL || nrep == 0 || min < 1 || max < min)
		usage();
	if (chdir(dir) == -1) {
		fprintf(stderr, "gen: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < nrep; i++)
		report(NULL, kind, schema, min + pick((unsigned)(max - min + 1)),
		    i, NULL, 0, NULL);
	return 0;
}
