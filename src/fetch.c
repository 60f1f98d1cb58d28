/*
 * fetch.c: a small document over HTTPS with libcurl, capped. See
 * fetch.h.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "error.h"
#include "fetch.h"
#include "lazy.h"
#include "net.h"
#include "valid.h"

int
fetch_body_add(struct fetch_doc *d, const char *p, size_t n)
{
	char	*b;
	size_t	 cap;

	if (n > d->max || d->len > d->max - n) {
		d->status = FETCH_TOOBIG;
		snprintf(d->why, sizeof d->why, "larger than %zu bytes",
		    d->max);
		return -1;
	}
	if (d->len + n + 1 > d->cap) {
		cap = d->cap ? d->cap : 4096;
		while (cap < d->len + n + 1)
			cap *= 2;
		if ((b = realloc(d->body, cap)) == NULL) {
			d->nomem = 1;
			return -1;
		}
		d->body = b;
		d->cap = cap;
	}
	memcpy(d->body + d->len, p, n);
	d->len += n;
	d->body[d->len] = '\0';
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	/* libcurl gives at most CURL_MAX_WRITE_SIZE at once: no overflow. */
	return fetch_body_add(arg, p, size * n) == -1 ? 0 : size * n;
}

void
fetch_doc_clear(struct fetch_doc *d)
{
	free(d->body);
	d->body = NULL;
	d->len = d->cap = 0;
}

/* A port, 1 to 65535, that is all of s..e. */
static int
port_ok(const char *s, const char *e)
{
	unsigned long	v = 0;

	if (s == e || e - s > 5)
		return 0;
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	return v >= 1 && v <= 65535;
}

int
fetch_connect_to_check(const char *s, char *why, size_t len)
{
	char		 host[256], addr[64], reason[128];
	const char	*p, *q, *r;
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strlen(s) >= FETCH_CONNECT_TO_LEN) {
		snprintf(why, len, "longer than %d bytes",
		    FETCH_CONNECT_TO_LEN - 1);
		return -1;
	}
	/* HOST:PORT: */
	if ((p = strchr(s, ':')) == NULL || (q = strchr(p + 1, ':')) ==
	    NULL) {
		snprintf(why, len, "not HOST:PORT:ADDRESS:PORT");
		return -1;
	}
	if ((size_t)(p - s) >= sizeof host) {
		snprintf(why, len, "a host name longer than 253 bytes");
		return -1;
	}
	memcpy(host, s, (size_t)(p - s));
	host[p - s] = '\0';
	if (valid_hostname(host, reason, sizeof reason) == -1) {
		snprintf(why, len, "'%s' is not a host name: %s", host,
		    reason);
		return -1;
	}
	if (!port_ok(p + 1, q)) {
		snprintf(why, len, "the port of %s is not 1 to 65535", host);
		return -1;
	}
	/* ADDRESS:PORT, the address of IPv6 in brackets. */
	q++;
	if (*q == '[') {
		if ((r = strchr(q, ']')) == NULL || r[1] != ':' ||
		    (size_t)(r - q - 1) >= sizeof addr) {
			snprintf(why, len, "an IPv6 address without its ']:'");
			return -1;
		}
		memcpy(addr, q + 1, (size_t)(r - q - 1));
		addr[r - q - 1] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1) {
			snprintf(why, len, "'%s' is not an IPv6 address",
			    addr);
			return -1;
		}
		r++;
	} else {
		if ((r = strchr(q, ':')) == NULL) {
			snprintf(why, len, "not HOST:PORT:ADDRESS:PORT");
			return -1;
		}
		if ((size_t)(r - q) >= sizeof host) {
			snprintf(why, len, "an address longer than 253 bytes");
			return -1;
		}
		memcpy(host, q, (size_t)(r - q));
		host[r - q] = '\0';
		if (inet_pton(AF_INET, host, &a4) != 1 &&
		    valid_hostname(host, reason, sizeof reason) == -1) {
			snprintf(why, len, "'%s' is neither an IPv4 address "
			    "nor a host name (IPv6 goes in brackets)", host);
			return -1;
		}
	}
	if (!port_ok(r + 1, r + 1 + strlen(r + 1))) {
		snprintf(why, len, "the port to connect to is not 1 to 65535");
		return -1;
	}
	return 0;
}

int
fetch_maps(const struct fetch_opts *o, const char *host, unsigned port)
{
	char	pre[300];
	size_t	i, n;

	n = (size_t)snprintf(pre, sizeof pre, "%s:%u:", host, port);
	if (n >= sizeof pre)
		return 0;
	for (i = 0; i < o->nconnect_to; i++)
		if (strncasecmp(o->connect_to[i], pre, n) == 0)
			return 1;
	return 0;
}

/*
 * The CURLOPT_RESOLVE entry for host and port: "HOST:PORT:ADDR,..."
 * (IPv6 in brackets), of the addresses that are addresses. 0, or -1
 * when none is.
 */
static int
resolve_entry(const char *host, const char *port, const char *const *addrs,
    size_t n, char *out, size_t len)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 i, k, used;
	int		 w;

	w = snprintf(out, len, "%s:%s:", host, port);
	if (w < 0 || (size_t)w >= len)
		return -1;
	used = (size_t)w;
	for (i = 0, k = 0; i < n; i++) {
		if (inet_pton(AF_INET, addrs[i], &a4) == 1)
			w = snprintf(out + used, len - used, "%s%s",
			    k ? "," : "", addrs[i]);
		else if (inet_pton(AF_INET6, addrs[i], &a6) == 1)
			w = snprintf(out + used, len - used, "%s[%s]",
			    k ? "," : "", addrs[i]);
		else
			continue;
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
		k++;
	}
	out[used] = '\0';
	return k > 0 ? 0 : -1;
}

int
fetch_https(const char *url, const char *const *addrs, size_t naddrs,
    const struct fetch_opts *o, struct fetch_doc *d)
{
	struct net_opts		 no;
	struct net_guard	 g;
	struct dr_error		 err;
	struct curl_slist	*to = NULL, *res = NULL, *x;
	CURLU			*u = NULL;
	CURL			*c = NULL;
	CURLcode		 rc;
	char			 errbuf[CURL_ERROR_SIZE], entry[1024];
	char			*host = NULL, *port = NULL, *info;
	size_t			 i;
	int			 ret = -1;

	memset(d, 0, sizeof *d);
	d->max = o->max;
	if (strncasecmp(url, "https://", 8) != 0) {
		snprintf(d->why, sizeof d->why, "not an https:// URL");
		return -1;
	}
	if (lazy_load(LAZY_CURL, d->why, sizeof d->why) == -1)
		return -1;
	if ((u = curl_url()) == NULL || (c = curl_easy_init()) == NULL)
		goto nomem;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		snprintf(d->why, sizeof d->why, "not a valid URL");
		goto out;
	}
	memset(&no, 0, sizeof no);
	no.ca_file = o->ca_file;
	if (net_setup(c, url, &no, &g, &err) == -1) {
		snprintf(d->why, sizeof d->why, "%.500s", err.msg);
		goto out;
	}
	for (i = 0; i < o->nconnect_to; i++) {
		if ((x = curl_slist_append(to, o->connect_to[i])) == NULL)
			goto nomem;
		to = x;
	}
	if (naddrs > 0 && resolve_entry(host, port, addrs, naddrs, entry,
	    sizeof entry) == 0) {
		if ((res = curl_slist_append(NULL, entry)) == NULL)
			goto nomem;
	}
	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	/* RFC 8461 section 3.3: a redirect is not followed. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_ms > 0 ?
	    o->connect_ms : (long)FETCH_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ?
	    o->timeout_ms : (long)FETCH_TIMEOUT_MS);
	/* A Content-Length above it stops the fetch before the body. */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (to != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, to);
	if (res != NULL)
		curl_easy_setopt(c, CURLOPT_RESOLVE, res);
	rc = curl_easy_perform(c);
	if (d->nomem)
		goto nomem;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &d->http);
	info = NULL;
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &info) == CURLE_OK &&
	    info != NULL)
		net_keep_reply(d->content_type, sizeof d->content_type, info,
		    strlen(info));
	info = NULL;
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &info) == CURLE_OK &&
	    info != NULL)
		net_keep_reply(d->location, sizeof d->location, info,
		    strlen(info));
	if (d->http != 0 && d->http != 200)
		d->status = FETCH_HTTP;
	else if (d->status == FETCH_TOOBIG)
		;	/* the body stopped the transfer */
	else if (rc == CURLE_FILESIZE_EXCEEDED) {
		d->status = FETCH_TOOBIG;
		snprintf(d->why, sizeof d->why, "larger than %zu bytes (its "
		    "Content-Length)", o->max);
	} else if (rc != CURLE_OK) {
		d->status = FETCH_FAILED;
		d->cert = rc == CURLE_PEER_FAILED_VERIFICATION;
		net_explain(rc, errbuf, &g, d->why, sizeof d->why);
	} else
		d->status = FETCH_OK;
	if (d->status != FETCH_OK)
		fetch_doc_clear(d);
	else if (d->body == NULL && fetch_body_add(d, "", 0) == -1)
		goto nomem;
	ret = 0;
	goto out;
nomem:
	snprintf(d->why, sizeof d->why, "out of memory");
	fetch_doc_clear(d);
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	if (c != NULL)
		curl_easy_cleanup(c);
	curl_slist_free_all(to);
	curl_slist_free_all(res);
	return ret;
}
