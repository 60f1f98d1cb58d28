/*
 * fetch.h: a small document fetched over HTTPS, capped (dmarcdb check's
 * MTA-STS policies, RFC 8461 section 3.3).
 *
 * HTTPS only, the certificate and its name always verified (net.h's
 * net_setup: the system's CAs, or those of a CA file alone), TLS 1.2 or
 * later; no redirect followed; the body capped (a larger one stops the
 * transfer), and the whole fetch capped in time. Nothing of what the
 * server sends is trusted: the body is the caller's to parse, and the
 * headers kept (its Content-Type, a redirect's target) hold printable
 * ASCII only.
 */
#ifndef DR_FETCH_H
#define DR_FETCH_H

#include <stddef.h>

/* A fetch's time: to connect, and in all. */
#define FETCH_CONNECT_MS	5000
#define FETCH_TIMEOUT_MS	10000
/* Most connect-to mappings, and their length. */
#define FETCH_CONNECT_TO_MAX	32
#define FETCH_CONNECT_TO_LEN	300

struct fetch_opts {
	const char	*ca_file;	/* or NULL: the system's CAs */
	/*
	 * "HOST:PORT:ADDR:PORT", as curl's --connect-to: a connection
	 * to HOST:PORT goes to ADDR:PORT instead, the URL, the TLS name
	 * and the certificate check unchanged (fetch_connect_to_check).
	 */
	char *const	*connect_to;
	size_t		 nconnect_to;
	size_t		 max;		/* bytes of body at most */
	long		 timeout_ms;	/* 0: FETCH_TIMEOUT_MS */
	long		 connect_ms;	/* 0: FETCH_CONNECT_MS */
};

enum fetch_status {
	FETCH_OK,	/* HTTP 200: the whole body */
	FETCH_FAILED,	/* no answer (why: libcurl's reason) */
	FETCH_HTTP,	/* an answer other than 200 (http, location) */
	FETCH_TOOBIG,	/* a body larger than max: the transfer stopped */
};

struct fetch_doc {
	enum fetch_status status;
	long		 http;		/* the status code, 0 none */
	int		 cert;		/* FAILED: the certificate refused */
	char		 content_type[128];	/* as sent, or "" */
	char		 location[256];	/* a redirect's target, or "" */
	char		 why[512];	/* FAILED, TOOBIG: what happened */
	char		*body;		/* OK: len bytes, NUL-terminated */
	size_t		 len;
	size_t		 cap;		/* allocated */
	size_t		 max;		/* the cap of this fetch */
	int		 nomem;
};

/*
 * Fetch url (https:// only) into d. addrs (n of them, text IPv4 or
 * IPv6 addresses) are the addresses of the URL's host, as the caller's
 * resolver found them, used instead of libcurl's own lookup; none:
 * libcurl looks it up. Returns 0 (d->status says what came of it), or
 * -1 with the reason in d->why when the URL is not an https:// URL or
 * memory runs out. The caller frees the body with fetch_doc_clear,
 * whatever the outcome.
 */
int	fetch_https(const char *, const char *const *, size_t,
	    const struct fetch_opts *, struct fetch_doc *);
void	fetch_doc_clear(struct fetch_doc *);

/*
 * Append n bytes of body to d, as the transfer gives them: 0, or -1
 * when the body would be larger than d->max (status FETCH_TOOBIG) or
 * memory runs out (nomem). For the tests, and fetch_https.
 */
int	fetch_body_add(struct fetch_doc *, const char *, size_t);

/*
 * A connect-to mapping, "HOST:PORT:ADDR:PORT": HOST a host name, ADDR
 * a host name, an IPv4 address or an IPv6 address in brackets, each
 * PORT 1 to 65535. Returns 0, or -1 with the reason in why.
 */
int	fetch_connect_to_check(const char *, char *, size_t);

/* 1 if o maps connections to host (any case) and port elsewhere. */
int	fetch_maps(const struct fetch_opts *, const char *, unsigned);

#endif
