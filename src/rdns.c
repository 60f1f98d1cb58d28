/*
 * rdns.c: reverse DNS of source addresses through c-ares (rdns.h).
 *
 * One c-ares channel (one UDP socket per server) carries every query of
 * a batch: the PTR query of each address, then, for a valid name, the
 * A or AAAA query of that name, to confirm it. At most `parallel'
 * addresses are in flight. c-ares retries and times out each query
 * (timeout, RDNS_TRIES tries); on top of that, when nothing at all has
 * come back from the resolver for timeout x RDNS_TRIES, the resolver is
 * taken for dead: what is in flight is cancelled and the rest is not
 * asked, all given as transient timeouts. A dead resolver so costs
 * about timeout x tries, whatever the batch.
 *
 * c-ares was chosen over libunbound: 55k-183k PTR/s against a local
 * server here against 7k-15k/s, one socket for every query instead of
 * one per query, and a small library in Debian (libc-ares-dev).
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ares.h>

#include "log.h"
#include "rdns.h"
#include "store.h"

/* The socket receive buffer: the first burst of replies must fit. */
#define RDNS_RCVBUF	(1024 * 1024)
/* Forward answers looked at, at most. */
#define RDNS_ADDRS	32

enum phase { PH_WAIT, PH_PTR, PH_FWD, PH_DONE };

struct job {
	struct lookup		*lk;
	const char		*ip;
	int			 family;
	unsigned char		 addr[16];
	enum phase		 phase;
	enum rdns_status	 status;
	int			 confirmed;
	int			 transient;
	char			 name[RDNS_NAME_MAX];
};

struct lookup {
	ares_channel		 ch;
	struct job		*jobs;
	size_t			 n;
	size_t			 next;		/* the next job to start */
	size_t			*doneq;		/* finished, not yet told */
	size_t			 ndone, ntold;
	unsigned		 inflight, parallel;
	int64_t			 last;		/* ms: last reply, or start */
	size_t			 dead;		/* given up: no resolver */
	size_t			 refused;
	size_t			 timedout;	/* by c-ares, each */
	size_t			 replies;	/* of the resolver, any */
};

static void	finish(struct job *, enum rdns_status, int);
static void	on_ptr(void *, int, int, unsigned char *, int);
static void	on_fwd(void *, int, int, unsigned char *, int);
static void	start(struct lookup *, struct job *);
static int	reply_status(struct lookup *, int, enum rdns_status *, int *);
static int	server_one(const char *, size_t, char *, size_t,
		    struct dr_error *);

const char *
rdns_status_name(enum rdns_status s)
{
	switch (s) {
	case RDNS_NAME:
		return "name";
	case RDNS_NONE:
		return "none";
	case RDNS_FAIL:
		return "fail";
	case RDNS_TIMEOUT:
		return "timeout";
	case RDNS_SKIPPED:
		return "skipped";
	}
	return "fail";
}

/* --- names ------------------------------------------------------- */

int
rdns_name_valid(const char *in, char *out)
{
	size_t	len, i, lab = 0;
	char	c;

	out[0] = '\0';
	len = strlen(in);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > RDNS_NAME_MAX - 1)
		return -1;
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '.') {
			if (lab == 0 || in[i - 1] == '-')
				goto bad;
			lab = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c >= 'A' && c <= 'Z') || c == '-') {
			if (c == '-' && lab == 0)
				goto bad;
			if (++lab > 63)
				goto bad;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
		} else
			goto bad;
		out[i] = c;
	}
	if (lab == 0 || in[len - 1] == '-')
		goto bad;
	out[len] = '\0';
	return 0;
bad:
	out[0] = '\0';
	return -1;
}

int
rdns_arpa(const char *ip, char *out, int *family, unsigned char addr[16])
{
	static const char	 hex[] = "0123456789abcdef";
	char			*p = out;
	int			 i;

	if (inet_pton(AF_INET, ip, addr) == 1) {
		*family = AF_INET;
		snprintf(out, RDNS_ARPA_MAX, "%u.%u.%u.%u.in-addr.arpa",
		    addr[3], addr[2], addr[1], addr[0]);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, addr) == 1) {
		*family = AF_INET6;
		for (i = 15; i >= 0; i--) {
			*p++ = hex[addr[i] & 0xf];
			*p++ = '.';
			*p++ = hex[addr[i] >> 4];
			*p++ = '.';
		}
		memcpy(p, "ip6.arpa", sizeof "ip6.arpa");
		return 0;
	}
	out[0] = '\0';
	return -1;
}

/* --- configuration ----------------------------------------------- */

/*
 * One server of a list, len bytes at s, into out as c-ares takes it:
 * "ADDR:PORT" or "[ADDR6]:PORT". 0, or -1 with err saying why.
 */
static int
server_one(const char *s, size_t len, char *out, size_t outsz,
    struct dr_error *err)
{
	char			 word[80], host[80], canon[INET6_ADDRSTRLEN];
	const char		*port = NULL, *colon, *why;
	unsigned char		 a[16];
	unsigned long		 pn = 53;
	char			*end;
	int			 fam;

	if (len >= sizeof word)
		return dr_seterr(err, DR_E_USAGE, "resolver '%.40s...': too "
		    "long for an address and port", s);
	memcpy(word, s, len);
	word[len] = '\0';
	if (word[0] == '[') {
		end = strchr(word, ']');
		if (end == NULL) {
			why = "no ']' after the IPv6 address";
			goto bad;
		}
		*end = '\0';
		snprintf(host, sizeof host, "%s", word + 1);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0') {
			why = "expected ':PORT' after ']'";
			goto bad;
		}
		fam = AF_INET6;
	} else {
		colon = strchr(word, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			snprintf(host, sizeof host, "%.*s",
			    (int)(colon - word), word);
			port = colon + 1;
			fam = AF_INET;
		} else {
			snprintf(host, sizeof host, "%s", word);
			fam = colon != NULL ? AF_INET6 : AF_INET;
		}
	}
	if (inet_pton(fam, host, a) != 1) {
		why = fam == AF_INET6 ? "not an IPv6 address (write "
		    "[ADDR6]:PORT for a port)" : "not an IPv4 or IPv6 address";
		goto bad;
	}
	if (port != NULL) {
		errno = 0;
		pn = *port >= '0' && *port <= '9' ? strtoul(port, &end, 10) : 0;
		if (errno != 0 || *port < '0' || *port > '9' || *end != '\0' ||
		    pn == 0 || pn > 65535) {
			why = "the port is not a number from 1 to 65535";
			goto bad;
		}
	}
	inet_ntop(fam, a, canon, sizeof canon);
	if (fam == AF_INET6)
		snprintf(out, outsz, "[%s]:%lu", canon, pn);
	else
		snprintf(out, outsz, "%s:%lu", canon, pn);
	return 0;
bad:
	return dr_seterr(err, DR_E_USAGE, "resolver '%.*s': %s",
	    (int)(len > 60 ? 60 : len), s, why);
}

int
rdns_servers_parse(struct rdns_conf *c, const char *text, struct dr_error *err)
{
	char		 one[INET6_ADDRSTRLEN + 10];
	const char	*p = text, *e;
	size_t		 n = 0;

	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' &&
		    *e != '\t'; e++)
			;
		if (server_one(p, (size_t)(e - p), one, sizeof one, err) ==
		    -1)
			return -1;
		if (c->nservers >= RDNS_SERVERS_MAX)
			return dr_seterr(err, DR_E_USAGE, "more than %d "
			    "resolvers", RDNS_SERVERS_MAX);
		c->servers[c->nservers] = strdup(one);
		if (c->servers[c->nservers] == NULL)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		c->nservers++;
		n++;
		p = e;
	}
	if (n == 0)
		return dr_seterr(err, DR_E_USAGE, "no resolver named "
		    "(expected ADDR, ADDR:PORT or [ADDR6]:PORT)");
	return 0;
}

void
rdns_conf_free(struct rdns_conf *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nservers; i++)
		free(c->servers[i]);
	c->nservers = 0;
}

int
rdns_conf_env(struct rdns_conf *c, struct dr_error *err)
{
	struct rdns_conf	 e;
	const char		*v;
	size_t			 i;

	v = getenv("DMARCDB_RESOLVER");
	if (v == NULL || *v == '\0')
		return 0;
	memset(&e, 0, sizeof e);
	if (rdns_servers_parse(&e, v, err) == -1) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%s", err->msg);
		rdns_conf_free(&e);
		return dr_seterr(err, err->code, "$DMARCDB_RESOLVER: %s",
		    msg);
	}
	rdns_conf_free(c);
	for (i = 0; i < e.nservers; i++)
		c->servers[i] = e.servers[i];
	c->nservers = e.nservers;
	return 0;
}

void
rdns_servers_csv(const struct rdns_conf *c, char *out, size_t len)
{
	size_t	i;

	if (len == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < c->nservers; i++) {
		if (i > 0)
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, c->servers[i], len - strlen(out) - 1);
	}
}

void
rdns_servers_text(const struct rdns_conf *c, char *out, size_t len)
{
	if (c->nservers > 0)
		rdns_servers_csv(c, out, len);
	else
		snprintf(out, len, "the resolvers of /etc/resolv.conf");
}

/* --- lookups ----------------------------------------------------- */

int64_t
rdns_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
finish(struct job *j, enum rdns_status st, int transient)
{
	struct lookup	*lk = j->lk;

	if (j->phase == PH_PTR || j->phase == PH_FWD)
		lk->inflight--;
	j->phase = PH_DONE;
	j->status = st;
	j->transient = transient;
	if (st != RDNS_NAME) {
		j->name[0] = '\0';
		j->confirmed = 0;
	}
	lk->doneq[lk->ndone++] = (size_t)(j - lk->jobs);
}

/*
 * What a c-ares status says of the address: 0 and *st set when the
 * query is over without a usable answer; 1 for ARES_SUCCESS.
 */
static int
reply_status(struct lookup *lk, int status, enum rdns_status *st,
    int *transient)
{
	*transient = 0;
	switch (status) {
	case ARES_SUCCESS:
		lk->last = rdns_now_ms();
		lk->replies++;
		return 1;
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
		lk->last = rdns_now_ms();
		lk->replies++;
		*st = RDNS_NONE;
		return 0;
	case ARES_ETIMEOUT:
		lk->timedout++;
		*st = RDNS_TIMEOUT;
		return 0;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		*st = RDNS_TIMEOUT;
		*transient = 1;
		return 0;
	case ARES_ECONNREFUSED:
	case ARES_ENOMEM:
		lk->refused++;
		*st = RDNS_FAIL;
		*transient = 1;
		return 0;
	default:
		/* SERVFAIL, REFUSED, NOTIMP, FORMERR, a bad reply. */
		lk->last = rdns_now_ms();
		lk->replies++;
		*st = RDNS_FAIL;
		return 0;
	}
}

static void
on_ptr(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct job		*j = arg;
	struct hostent		*he = NULL;
	enum rdns_status	 st;
	int			 transient, rc;

	(void)timeouts;
	if (reply_status(j->lk, status, &st, &transient) == 0) {
		finish(j, st, transient);
		return;
	}
	rc = ares_parse_ptr_reply(abuf, alen, j->addr,
	    j->family == AF_INET ? 4 : 16, j->family, &he);
	if (rc == ARES_ENODATA) {
		finish(j, RDNS_NONE, 0);
		return;
	}
	/* c-ares refuses some names itself (ARES_EBADRESP). */
	if (rc != ARES_SUCCESS || he == NULL || he->h_name == NULL ||
	    rdns_name_valid(he->h_name, j->name) == -1) {
		if (he != NULL)
			ares_free_hostent(he);
		finish(j, RDNS_FAIL, rc == ARES_ENOMEM);
		return;
	}
	ares_free_hostent(he);
	j->phase = PH_FWD;
	ares_query(j->lk->ch, j->name, ns_c_in,
	    j->family == AF_INET ? ns_t_a : ns_t_aaaa, on_fwd, j);
}

static void
on_fwd(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct job		*j = arg;
	struct ares_addrttl	 a4[RDNS_ADDRS];
	struct ares_addr6ttl	 a6[RDNS_ADDRS];
	enum rdns_status	 st;
	int			 transient, n = RDNS_ADDRS, i, rc;

	(void)timeouts;
	j->confirmed = 0;
	if (reply_status(j->lk, status, &st, &transient) == 0) {
		/* The name stands; it is only not confirmed. */
		finish(j, RDNS_NAME, transient);
		return;
	}
	if (j->family == AF_INET) {
		rc = ares_parse_a_reply(abuf, alen, NULL, a4, &n);
		for (i = 0; rc == ARES_SUCCESS && i < n; i++)
			if (memcmp(&a4[i].ipaddr, j->addr, 4) == 0)
				j->confirmed = 1;
	} else {
		rc = ares_parse_aaaa_reply(abuf, alen, NULL, a6, &n);
		for (i = 0; rc == ARES_SUCCESS && i < n; i++)
			if (memcmp(&a6[i].ip6addr, j->addr, 16) == 0)
				j->confirmed = 1;
	}
	finish(j, RDNS_NAME, 0);
}

static void
start(struct lookup *lk, struct job *j)
{
	char	arpa[RDNS_ARPA_MAX];

	if (rdns_arpa(j->ip, arpa, &j->family, j->addr) == -1) {
		finish(j, RDNS_SKIPPED, 1);
		return;
	}
	j->phase = PH_PTR;
	lk->inflight++;
	/* The callback may run at once (out of memory, no server). */
	ares_query(lk->ch, arpa, ns_c_in, ns_t_ptr, on_ptr, j);
}

int
rdns_lookup(const struct rdns_conf *conf, const char *const *ips, size_t n,
    int (*cb)(void *, const struct rdns_answer *), void *arg,
    struct dr_error *err)
{
	struct ares_options	 o;
	struct lookup		 lk;
	struct rdns_answer	 a;
	struct pollfd		 pfd[ARES_GETSOCK_MAXNUM];
	ares_socket_t		 socks[ARES_GETSOCK_MAXNUM];
	struct timeval		 tv, *tvp, maxtv;
	char			 csv[RDNS_SERVERS_MAX * 60];
	int64_t			 idle, wait, t;
	unsigned		 timeout;
	size_t			 i, np;
	int			 rc = -1, k, stop = 0;
	unsigned		 ubits;

	memset(&lk, 0, sizeof lk);
	if (n == 0)
		return 0;
	timeout = conf->timeout_ms ? conf->timeout_ms : RDNS_TIMEOUT_MS;
	lk.parallel = conf->parallel ? conf->parallel : RDNS_PARALLEL;
	idle = (int64_t)timeout * RDNS_TRIES;
	lk.n = n;
	lk.jobs = calloc(n, sizeof *lk.jobs);
	lk.doneq = calloc(n, sizeof *lk.doneq);
	if (lk.jobs == NULL || lk.doneq == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		lk.jobs[i].lk = &lk;
		lk.jobs[i].ip = ips[i];
	}
	if ((k = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		/* (Out of memory, or c-ares cannot be loaded: lazy.h.) */
		dr_seterr(err, k == ARES_ENOMEM ? DR_E_NOMEM : DR_E_SYSTEM,
		    "c-ares: cannot initialise: %s", ares_strerror(k));
		goto out;
	}
	memset(&o, 0, sizeof o);
	/* SERVFAIL and REFUSED are answers, not reasons to retry. */
	o.flags = ARES_FLAG_NOCHECKRESP;
	o.timeout = (int)timeout;
	o.tries = RDNS_TRIES;
	o.lookups = (char *)"b";	/* DNS only, never /etc/hosts */
	o.socket_receive_buffer_size = RDNS_RCVBUF;
	k = ares_init_options(&lk.ch, &o, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES | ARES_OPT_LOOKUPS | ARES_OPT_SOCK_RCVBUF);
	if (k != ARES_SUCCESS) {
		dr_seterr(err, k == ARES_ENOMEM ? DR_E_NOMEM : DR_E_USAGE,
		    "c-ares: %s", ares_strerror(k));
		lk.ch = NULL;
		ares_library_cleanup();
		goto out;
	}
	if (conf->nservers > 0) {
		rdns_servers_csv(conf, csv, sizeof csv);
		k = ares_set_servers_ports_csv(lk.ch, csv);
		if (k != ARES_SUCCESS) {
			dr_seterr(err, DR_E_USAGE, "resolver %s: %s", csv,
			    ares_strerror(k));
			goto out;
		}
	}
	lk.last = rdns_now_ms();
	while (lk.ntold < n) {
		while (lk.inflight < lk.parallel && lk.next < n && !lk.dead)
			start(&lk, &lk.jobs[lk.next++]);
		/* Tell what is finished, outside c-ares's callbacks. */
		while (lk.ntold < lk.ndone && !stop) {
			struct job *j = &lk.jobs[lk.doneq[lk.ntold++]];
			memset(&a, 0, sizeof a);
			a.ip = j->ip;
			a.status = j->status;
			a.name = j->status == RDNS_NAME ? j->name : NULL;
			a.confirmed = j->confirmed;
			a.transient = j->transient;
			if (cb(arg, &a) != 0)
				stop = 1;
		}
		if (stop || lk.ntold == n)
			break;
		if (lk.inflight == 0)
			continue;
		t = rdns_now_ms();
		if (t - lk.last >= idle) {
			/* Nothing came back: the rest is not asked. */
			lk.dead = lk.inflight + (n - lk.next);
			ares_cancel(lk.ch);
			for (; lk.next < n; lk.next++)
				finish(&lk.jobs[lk.next], RDNS_TIMEOUT, 1);
			continue;
		}
		/*
		 * The bits by hand: c-ares' ARES_GETSOCK_WRITABLE shifts an
		 * int 1 by up to 31 places (undefined; UBSan says so).
		 */
		ubits = (unsigned)ares_getsock(lk.ch, socks,
		    ARES_GETSOCK_MAXNUM);
		for (np = 0, k = 0; k < ARES_GETSOCK_MAXNUM; k++) {
			unsigned rd = ubits & (1u << k);
			unsigned wr = ubits & (1u << (k + ARES_GETSOCK_MAXNUM));
			if (!rd && !wr)
				continue;
			pfd[np].fd = socks[k];
			pfd[np].events = (rd ? POLLIN : 0) | (wr ? POLLOUT : 0);
			pfd[np].revents = 0;
			np++;
		}
		wait = idle - (t - lk.last);
		maxtv.tv_sec = (time_t)(wait / 1000);
		maxtv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
		tvp = ares_timeout(lk.ch, &maxtv, &tv);
		wait = (int64_t)tvp->tv_sec * 1000 + tvp->tv_usec / 1000 + 1;
		if (poll(pfd, (nfds_t)np, (int)wait) == -1 && errno != EINTR) {
			dr_seterr(err, DR_E_IO, "reverse DNS: poll: %s",
			    strerror(errno));
			goto out;
		}
		for (i = 0; i < np; i++)
			if (pfd[i].revents != 0)
				ares_process_fd(lk.ch,
				    pfd[i].revents & (POLLIN | POLLERR |
				    POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
				    pfd[i].revents & POLLOUT ? pfd[i].fd :
				    ARES_SOCKET_BAD);
		/* Timeouts and retries. */
		ares_process_fd(lk.ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	rdns_servers_text(conf, csv, sizeof csv);
	if (lk.dead > 0)
		log_warnx("reverse DNS: no answer from %s in %lld ms: %zu of "
		    "%zu addresses not looked up (given as timeout)", csv,
		    (long long)idle, lk.dead, n);
	else if (lk.refused > 0)
		log_warnx("reverse DNS: %s: %zu of %zu lookups failed "
		    "(connection refused, or no server)", csv, lk.refused, n);
	/*
	 * c-ares gave up on them before the resolver was taken for dead
	 * (a loaded machine): as dead, if it never replied at all. Some
	 * lookups timing out among replies are the Internet's own, and
	 * not worth a word under cron.
	 */
	else if (lk.timedout > 0 && lk.replies == 0)
		log_warnx("reverse DNS: no answer from %s: %zu of %zu lookups "
		    "timed out", csv, lk.timedout, n);
	rc = 0;
out:
	if (lk.ch != NULL) {
		/* Callbacks of what is left run now, and are not told. */
		ares_destroy(lk.ch);
		ares_library_cleanup();
	}
	free(lk.jobs);
	free(lk.doneq);
	return rc;
}

/* --- the cache --------------------------------------------------- */

struct cached {
	struct store		*s;
	int64_t			 now;
	int			 (*cb)(void *, const struct rdns_answer *);
	void			*arg;
	struct store_ptr	*put;
	char			*names;		/* RDNS_NAME_MAX each */
	size_t			 nput;
	int			 stop;
};

static int	cached_answer(void *, const struct rdns_answer *);
static enum rdns_status status_of(const char *);

static enum rdns_status
status_of(const char *s)
{
	if (strcmp(s, "name") == 0)
		return RDNS_NAME;
	if (strcmp(s, "none") == 0)
		return RDNS_NONE;
	if (strcmp(s, "timeout") == 0)
		return RDNS_TIMEOUT;
	return RDNS_FAIL;
}

static int
cached_answer(void *arg, const struct rdns_answer *a)
{
	struct cached		*c = arg;
	struct store_ptr	*p;
	int64_t			 ttl;

	if (!a->transient && a->status != RDNS_SKIPPED) {
		p = &c->put[c->nput];
		p->ip = a->ip;
		p->status = rdns_status_name(a->status);
		p->name = NULL;
		if (a->name != NULL) {
			p->name = c->names + c->nput * RDNS_NAME_MAX;
			snprintf((char *)p->name, RDNS_NAME_MAX, "%s",
			    a->name);
		}
		p->confirmed = a->confirmed;
		p->checked = c->now;
		ttl = a->status == RDNS_NAME ? RDNS_TTL_NAME :
		    a->status == RDNS_NONE ? RDNS_TTL_NONE : RDNS_TTL_FAIL;
		p->expires = c->now + ttl;
		c->nput++;
	}
	if (c->cb(c->arg, a) != 0) {
		c->stop = 1;
		return 1;
	}
	return 0;
}

int
rdns_cached(struct store *s, const struct rdns_conf *conf, int dns,
    const char *const *ips, size_t n, int64_t now,
    int (*cb)(void *, const struct rdns_answer *), void *arg,
    struct dr_error *err)
{
	struct cached		 c;
	struct store_ptr	 e;
	struct rdns_answer	 a;
	const char		**miss = NULL;
	size_t			 nmiss = 0, i;
	int			 rc = -1, r;

	memset(&c, 0, sizeof c);
	c.s = s;
	c.now = now;
	c.cb = cb;
	c.arg = arg;
	if (n == 0)
		return 0;
	miss = calloc(n, sizeof *miss);
	if (miss == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		r = store_ptr_get(s, ips[i], now, &e, err);
		if (r == -1)
			goto out;
		if (r == 0) {
			miss[nmiss++] = ips[i];
			continue;
		}
		memset(&a, 0, sizeof a);
		a.ip = ips[i];
		a.status = status_of(e.status);
		/* What the database holds is checked like the network. */
		if (a.status == RDNS_NAME) {
			char name[RDNS_NAME_MAX];
			if (e.name == NULL ||
			    rdns_name_valid(e.name, name) == -1) {
				miss[nmiss++] = ips[i];
				continue;
			}
			a.name = name;
			a.confirmed = e.confirmed != 0;
			a.cached = 1;
			if (cb(arg, &a) != 0) {
				rc = 0;
				goto out;
			}
			continue;
		}
		a.cached = 1;
		if (cb(arg, &a) != 0) {
			rc = 0;
			goto out;
		}
	}
	if (!dns) {
		for (i = 0; i < nmiss; i++) {
			memset(&a, 0, sizeof a);
			a.ip = miss[i];
			a.status = RDNS_SKIPPED;
			a.transient = 1;
			if (cb(arg, &a) != 0)
				break;
		}
		rc = 0;
		goto out;
	}
	if (nmiss == 0) {
		rc = 0;
		goto out;
	}
	c.put = calloc(nmiss, sizeof *c.put);
	c.names = malloc(nmiss * RDNS_NAME_MAX);
	if (c.put == NULL || c.names == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto out;
	}
	if (rdns_lookup(conf, miss, nmiss, cached_answer, &c, err) == -1)
		goto out;
	rc = store_ptr_put(s, c.put, c.nput, err);
out:
	free(c.put);
	free(c.names);
	free(miss);
	return rc;
}
