/*
 * dns.c: the published DMARC record, through c-ares (dns.h).
 *
 * One c-ares channel for a run, set up at its first lookup, asks the
 * resolvers of the configuration (rdns.h's struct rdns_conf: the
 * resolver statement, $DMARCDB_RESOLVER, else /etc/resolv.conf), as
 * the reverse DNS of sources does. ARES_FLAG_NOCHECKRESP makes SERVFAIL
 * and REFUSED answers that are told as such, instead of reasons to try
 * the next server. c-ares retries a query (DNS_TRIES tries, the
 * resolver's timeout each, doubled by c-ares once every server has been
 * tried); on top of that each lookup has a deadline of timeout x
 * DNS_TRIES, after which it is cancelled: a lookup never waits longer,
 * whatever the servers. A lookup that got no answer in time marks the
 * resolver dead for the rest of the run, so that a run over many
 * domains waits for a dead resolver once. Lookups take turns (a
 * mutex): the digest's threads share one channel.
 */
#include "config.h"

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ares.h>

#include "dns.h"
#include "rdns.h"
#include "record.h"
#include "valid.h"

struct dns {
	const struct rdns_conf	*conf;
	pthread_mutex_t		 mtx;
	ares_channel		 ch;
	int			 lib;		/* ares_library_init done */
	unsigned		 timeout;	/* ms a try */
	char			 servers[RDNS_SERVERS_MAX * 60];
	/* Not "": no lookup is made any more, and why. */
	char			 dead[RDNS_SERVERS_MAX * 60 + 100];
};

/* One lookup: where its callback puts what it found. */
struct query {
	struct dns	*d;
	const char	*name;
	char		*out, *why;
	size_t		 len, whylen;
	int		 done, rc, timedout;
	int		*left;		/* lookups not answered yet */
};

static int	setup(struct dns *, const char *, char *, size_t);
static void	on_txt(void *, int, int, unsigned char *, int);
static int	run_until(struct dns *, const int *, int64_t, const char *,
		    char *, size_t);

struct dns *
dns_new(const struct rdns_conf *conf)
{
	struct dns	*d;

	d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	if (pthread_mutex_init(&d->mtx, NULL) != 0) {
		free(d);
		return NULL;
	}
	d->conf = conf;
	d->timeout = conf->timeout_ms ? conf->timeout_ms : RDNS_TIMEOUT_MS;
	rdns_servers_text(conf, d->servers, sizeof d->servers);
	return d;
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	if (d->ch != NULL)
		ares_destroy(d->ch);
	if (d->lib)
		ares_library_cleanup();
	pthread_mutex_destroy(&d->mtx);
	free(d);
}

/*
 * The channel, at the first lookup. 0, or -1 with why saying so (for
 * the lookup of name); d->dead is then set too: c-ares is not tried
 * again.
 */
static int
setup(struct dns *d, const char *name, char *why, size_t whylen)
{
	struct ares_options	 o;
	char			 csv[RDNS_SERVERS_MAX * 60];
	int			 k;

	if (d->ch != NULL)
		return 0;
	if (!d->lib) {
		k = ares_library_init(ARES_LIB_INIT_ALL);
		if (k != ARES_SUCCESS)
			goto fail;
		d->lib = 1;
	}
	memset(&o, 0, sizeof o);
	/* SERVFAIL and REFUSED are answers, not reasons to retry. */
	o.flags = ARES_FLAG_NOCHECKRESP;
	o.timeout = (int)d->timeout;
	o.tries = DNS_TRIES;
	o.lookups = (char *)"b";	/* DNS only, never /etc/hosts */
	k = ares_init_options(&d->ch, &o, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
	if (k != ARES_SUCCESS) {
		d->ch = NULL;
		goto fail;
	}
	if (d->conf->nservers > 0) {
		rdns_servers_csv(d->conf, csv, sizeof csv);
		k = ares_set_servers_ports_csv(d->ch, csv);
		if (k != ARES_SUCCESS) {
			ares_destroy(d->ch);
			d->ch = NULL;
			goto fail;
		}
	}
	return 0;
fail:
	snprintf(d->dead, sizeof d->dead, "c-ares cannot be set up (%s)",
	    ares_strerror(k));
	snprintf(why, whylen, "DNS unavailable: %s: %s", name, d->dead);
	return -1;
}

/*
 * Why a lookup of name failed (c-ares' status), in words, into why.
 * Returns 1 when it got no answer in time, else 0.
 */
static int
failed(const struct dns *d, const char *name, int status, char *why,
    size_t whylen)
{
	const char	*what;

	switch (status) {
	case ARES_ETIMEOUT:
	case ARES_ECANCELLED:	/* at the deadline (run_until) */
		snprintf(why, whylen, "DNS unavailable: %s: no answer from %s "
		    "in %u ms", name, d->servers, d->timeout * DNS_TRIES);
		return 1;
	case ARES_ESERVFAIL:
		what = "SERVFAIL (the server failed)";
		break;
	case ARES_EREFUSED:
		what = "REFUSED (the server would not answer)";
		break;
	case ARES_ENOTIMP:
		what = "NOTIMP (the server cannot answer such a query)";
		break;
	case ARES_EFORMERR:
		what = "FORMERR (the server could not read the query)";
		break;
	case ARES_EBADRESP:
		what = "an answer that is not DNS";
		break;
	case ARES_ECONNREFUSED:
		snprintf(why, whylen, "DNS unavailable: %s: connection "
		    "refused by %s", name, d->servers);
		return 0;
	default:
		snprintf(why, whylen, "DNS unavailable: %s: %s (%s)", name,
		    ares_strerror(status), d->servers);
		return 0;
	}
	snprintf(why, whylen, "DNS unavailable: %s: %s from %s", name, what,
	    d->servers);
	return 0;
}

static void
on_txt(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query	*q = arg;

	(void)timeouts;
	q->done = 1;
	(*q->left)--;
	q->rc = -1;
	switch (status) {
	case ARES_SUCCESS:
		q->rc = dns_dmarc_answer(abuf, alen, q->name, q->out, q->len,
		    q->why, q->whylen);
		return;
	case ARES_ENOTFOUND:	/* NXDOMAIN */
	case ARES_ENODATA:	/* no TXT record */
		q->rc = 0;
		return;
	default:
		q->timedout = failed(q->d, q->name, status, q->why,
		    q->whylen);
		return;
	}
}

/*
 * Run the channel until every lookup is answered (*left 0) or the
 * deadline passes (those left are then cancelled: their callbacks run,
 * as timeouts). 0, or -1 when poll fails (why says so, of name).
 */
static int
run_until(struct dns *d, const int *left, int64_t deadline,
    const char *name, char *why, size_t whylen)
{
	struct pollfd	 pfd[ARES_GETSOCK_MAXNUM];
	ares_socket_t	 socks[ARES_GETSOCK_MAXNUM];
	struct timeval	 tv, *tvp, maxtv;
	int64_t		 t, wait;
	unsigned	 bits;
	size_t		 i, np;
	int		 k;

	while (*left > 0) {
		t = rdns_now_ms();
		if (t >= deadline) {
			/* The callback runs now, with ARES_ECANCELLED. */
			ares_cancel(d->ch);
			break;
		}
		/*
		 * The bits by hand: c-ares' ARES_GETSOCK_WRITABLE shifts an
		 * int 1 by up to 31 places (undefined; UBSan says so).
		 */
		bits = (unsigned)ares_getsock(d->ch, socks,
		    ARES_GETSOCK_MAXNUM);
		for (np = 0, k = 0; k < ARES_GETSOCK_MAXNUM; k++) {
			unsigned rd = bits & (1u << k);
			unsigned wr = bits & (1u << (k + ARES_GETSOCK_MAXNUM));
			if (!rd && !wr)
				continue;
			pfd[np].fd = socks[k];
			pfd[np].events = (rd ? POLLIN : 0) | (wr ? POLLOUT : 0);
			pfd[np].revents = 0;
			np++;
		}
		wait = deadline - t;
		maxtv.tv_sec = (time_t)(wait / 1000);
		maxtv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
		tvp = ares_timeout(d->ch, &maxtv, &tv);
		wait = (int64_t)tvp->tv_sec * 1000 + tvp->tv_usec / 1000 + 1;
		if (poll(pfd, (nfds_t)np, (int)wait) == -1 && errno != EINTR) {
			int e = errno;
			ares_cancel(d->ch);
			snprintf(why, whylen, "DNS unavailable: %s: poll: %s",
			    name, strerror(e));
			return -1;
		}
		for (i = 0; i < np; i++)
			if (pfd[i].revents != 0)
				ares_process_fd(d->ch,
				    pfd[i].revents & (POLLIN | POLLERR |
				    POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
				    pfd[i].revents & POLLOUT ? pfd[i].fd :
				    ARES_SOCKET_BAD);
		/* Timeouts and retries. */
		ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	return 0;
}

int
dns_dmarc(struct dns *d, const char *domain, char *out, size_t len,
    char *why, size_t whylen)
{
	struct query	 q;
	char		 name[VALID_NAME_MAX + 1];
	char		 reason[VALID_WHY + 64];
	int		 left = 1;

	if (len > 0)
		out[0] = '\0';
	if (valid_dmarc_name(domain, name, sizeof name, reason,
	    sizeof reason) == -1) {
		snprintf(why, whylen, "no DNS lookup of the DMARC record: %s",
		    reason);
		return -1;
	}
	pthread_mutex_lock(&d->mtx);
	if (d->dead[0] != '\0') {
		snprintf(why, whylen, "DNS unavailable: %s: not looked up, "
		    "as %s", name, d->dead);
		pthread_mutex_unlock(&d->mtx);
		return -1;
	}
	if (setup(d, name, why, whylen) == -1) {
		pthread_mutex_unlock(&d->mtx);
		return -1;
	}
	memset(&q, 0, sizeof q);
	q.d = d;
	q.name = name;
	q.out = out;
	q.len = len;
	q.why = why;
	q.whylen = whylen;
	q.left = &left;
	/* The callback may run at once (out of memory, no server). */
	ares_query(d->ch, name, ns_c_in, ns_t_txt, on_txt, &q);
	if (run_until(d, &left, rdns_now_ms() + (int64_t)d->timeout *
	    DNS_TRIES, name, why, whylen) == 0 && !q.done) {
		/* Not even cancelled: never left waiting. */
		q.timedout = 1;
		q.rc = -1;
		snprintf(why, whylen, "DNS unavailable: %s: no answer from %s "
		    "in %u ms", name, d->servers, d->timeout * DNS_TRIES);
	}
	if (q.timedout)
		snprintf(d->dead, sizeof d->dead, "%s gave no answer in %u ms "
		    "to an earlier lookup of this run", d->servers,
		    d->timeout * DNS_TRIES);
	pthread_mutex_unlock(&d->mtx);
	if (q.rc != 1 && len > 0)
		out[0] = '\0';
	return q.done ? q.rc : -1;
}

int
dns_dmarc_answer(const unsigned char *ans, int n, const char *name,
    char *out, size_t len, char *why, size_t whylen)
{
	ns_msg		 msg;
	ns_rr		 rr;
	char		 joined[8192];
	int		 i, found = 0;
	size_t		 o, k, l;

	if (len > 0)
		out[0] = '\0';
	if (ns_initparse(ans, n, &msg) == -1) {
		snprintf(why, whylen, "looking up %s: bad answer", name);
		return -1;
	}
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		const unsigned char *p, *end;

		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1 ||
		    ns_rr_type(rr) != ns_t_txt ||
		    ns_rr_rdlen(rr) > sizeof joined)
			continue;
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		/* character-strings: a length byte, then the bytes. */
		for (o = 0; p < end; o += l, p += l) {
			l = *p++;
			if (l > (size_t)(end - p))
				break;
			memcpy(joined + o, p, l);
		}
		if (!record_is_dmarc(joined, o))
			continue;
		/* Printable ASCII and tab only: nothing else is DMARC. */
		for (k = 0; k < o; k++) {
			unsigned char c = (unsigned char)joined[k];
			if ((c < 0x20 && c != '\t') || c >= 0x7f) {
				snprintf(why, whylen, "the DMARC record at %s "
				    "holds byte 0x%02x, which no DMARC record "
				    "can hold: not used", name, c);
				goto refused;
			}
		}
		/* Never cut. */
		if (o >= len) {
			snprintf(why, whylen, "the DMARC record at %s is "
			    "longer than %zu bytes: not used", name,
			    len > 0 ? len - 1 : 0);
			goto refused;
		}
		if (found++ == 0) {
			memcpy(out, joined, o);
			out[o] = '\0';
		}
	}
	if (found > 1) {
		/* RFC 7489, section 6.6.3: then no policy applies. */
		snprintf(why, whylen, "%s holds %d DMARC records: receivers "
		    "apply none of them until only one is left", name, found);
		goto refused;
	}
	return found;

refused:
	if (len > 0)
		out[0] = '\0';
	return -1;
}

/* --- lookups in a batch (dmarcdb check) ------------------------------ */

void
dns_ask_clear(struct dns_ask *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->rec[i]);
	a->n = 0;
}

/* Keep a record of the answer; 0, or -1 when out of memory (said). */
static int
keep(struct dns_ask *a, const char *p, size_t n)
{
	char	*r;
	size_t	 i;

	if (a->n == DNS_RECORDS_MAX) {
		snprintf(a->why, sizeof a->why, "more than %d records: the "
		    "others are not read", DNS_RECORDS_MAX);
		return 0;
	}
	if ((r = malloc(n + 1)) == NULL) {
		snprintf(a->why, sizeof a->why, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		r[i] = p[i] != '\0' ? p[i] : '?';
	r[n] = '\0';
	a->rec[a->n++] = r;
	return 0;
}

void
dns_ask_answer(struct dns_ask *a, const unsigned char *ans, int alen)
{
	ns_msg		 msg;
	ns_rr		 rr;
	char		 buf[DNS_TXT_MAX], name[NS_MAXDNAME];
	const unsigned char *p, *end;
	size_t		 o, l;
	int		 i;

	dns_ask_clear(a);
	a->status = DNS_FAILED;
	a->cname[0] = '\0';
	if (ns_initparse(ans, alen, &msg) == -1) {
		snprintf(a->why, sizeof a->why, "%s: an answer that is not "
		    "DNS", a->name);
		return;
	}
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			break;
		p = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		switch (ns_rr_type(rr)) {
		case ns_t_cname:
			if ((int)a->type != ns_t_cname &&
			    ns_name_uncompress(ns_msg_base(msg), ns_msg_end(msg),
			    p, name, sizeof name) != -1) {
				if (strlen(name) < sizeof a->cname)
					memcpy(a->cname, name, strlen(name) +
					    1);
				continue;
			}
			break;
		default:
			break;
		}
		if ((int)ns_rr_type(rr) != (int)a->type)
			continue;
		switch (a->type) {
		case DNS_TXT:
			/* character-strings: a length byte, the bytes. */
			for (o = 0; p < end; o += l, p += l) {
				l = *p++;
				if (l > (size_t)(end - p) ||
				    o + l > sizeof buf)
					break;
				memcpy(buf + o, p, l);
			}
			if (p != end) {
				snprintf(a->why, sizeof a->why, "%s: a TXT "
				    "record longer than %d bytes, or broken",
				    a->name, DNS_TXT_MAX);
				continue;
			}
			if (keep(a, buf, o) == -1)
				return;
			break;
		case DNS_MX:
			if (end - p < 3 || ns_name_uncompress(ns_msg_base(msg),
			    ns_msg_end(msg), p + 2, name, sizeof name) == -1)
				continue;
			if (a->n < DNS_RECORDS_MAX)
				a->pref[a->n] = (unsigned)(p[0] << 8 | p[1]);
			if (keep(a, name, strlen(name)) == -1)
				return;
			break;
		case DNS_A:
		case DNS_AAAA:
			if ((a->type == DNS_A && end - p != 4) ||
			    (a->type == DNS_AAAA && end - p != 16) ||
			    inet_ntop(a->type == DNS_A ? AF_INET : AF_INET6,
			    p, buf, sizeof buf) == NULL)
				continue;
			if (keep(a, buf, strlen(buf)) == -1)
				return;
			break;
		case DNS_CNAME:
			if (ns_name_uncompress(ns_msg_base(msg),
			    ns_msg_end(msg), p, name, sizeof name) == -1)
				continue;
			if (keep(a, name, strlen(name)) == -1)
				return;
			break;
		}
	}
	a->status = a->n > 0 ? DNS_FOUND : DNS_NONE;
}

static void
on_ask(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_ask	*a = arg;

	(void)timeouts;
	(*a->left)--;
	switch (status) {
	case ARES_SUCCESS:
		dns_ask_answer(a, abuf, alen);
		return;
	case ARES_ENOTFOUND:
		a->nxdomain = 1;
		/* FALLTHROUGH */
	case ARES_ENODATA:
		a->status = DNS_NONE;
		return;
	default:
		a->status = DNS_FAILED;
		failed(a->d, a->name, status, a->why, sizeof a->why);
		return;
	}
}

int
dns_batch(struct dns *d, struct dns_ask *v, size_t n, char *why,
    size_t whylen)
{
	size_t	i;
	int	left = 0, rc;

	pthread_mutex_lock(&d->mtx);
	if (d->dead[0] != '\0') {
		snprintf(why, whylen, "DNS unavailable: not looked up, as %s",
		    d->dead);
		pthread_mutex_unlock(&d->mtx);
		return -1;
	}
	if (setup(d, n > 0 ? v[0].name : "(nothing)", why, whylen) == -1) {
		pthread_mutex_unlock(&d->mtx);
		return -1;
	}
	for (i = 0; i < n; i++) {
		v[i].status = DNS_PENDING;
		v[i].nxdomain = 0;
		v[i].why[0] = '\0';
		v[i].cname[0] = '\0';
		v[i].n = 0;
		v[i].d = d;
		v[i].left = &left;
		left++;
	}
	/* Each callback may run at once (out of memory, no server). */
	for (i = 0; i < n; i++)
		ares_query(d->ch, v[i].name, ns_c_in, (int)v[i].type, on_ask,
		    &v[i]);
	rc = run_until(d, &left, rdns_now_ms() + (int64_t)d->timeout *
	    DNS_TRIES, n > 0 ? v[0].name : "(nothing)", why, whylen);
	for (i = 0; i < n; i++)
		if (v[i].status == DNS_PENDING) {
			v[i].status = DNS_FAILED;
			snprintf(v[i].why, sizeof v[i].why, "DNS unavailable: "
			    "%s: no answer from %s in %u ms", v[i].name,
			    d->servers, d->timeout * DNS_TRIES);
		}
	pthread_mutex_unlock(&d->mtx);
	return rc;
}
