/*
 * net.c: TLS policy and certificate checks for the IMAP and SMTP
 * clients (libcurl).
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "net.h"

static int
v4_loopback(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

static int
v6_loopback(const struct in6_addr *a)
{
	struct in_addr	v4;

	if (IN6_IS_ADDR_LOOPBACK(a))
		return 1;
	if (!IN6_IS_ADDR_V4MAPPED(a))
		return 0;
	memcpy(&v4.s_addr, &a->s6_addr[12], 4);
	return v4_loopback(&v4);
}

int
net_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	char		 h[64];
	size_t		 n;

	if (host == NULL)
		return 0;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		if (n - 2 >= sizeof h)
			return 0;
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		return inet_pton(AF_INET6, h, &a6) == 1 && v6_loopback(&a6);
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return v4_loopback(&a4);
	return inet_pton(AF_INET6, host, &a6) == 1 && v6_loopback(&a6);
}

/*
 * libcurl opens its sockets here. For a connection allowed in clear
 * because its URL names a loopback address, a socket to any other
 * address is refused, whatever led libcurl there.
 */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct net_guard	*g = arg;
	const struct sockaddr	*a = &sa->addr;
	int			 ok = 1;

	if (g->loopback_only) {
		if (purpose != CURLSOCKTYPE_IPCXN)
			ok = 0;
		else if (a->sa_family == AF_INET)
			ok = v4_loopback(
			    &((const struct sockaddr_in *)(const void *)a)->
			    sin_addr);
		else if (a->sa_family == AF_INET6)
			ok = v6_loopback(
			    &((const struct sockaddr_in6 *)(const void *)a)->
			    sin6_addr);
		else
			ok = 0;
	}
	if (!ok) {
		g->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype, sa->protocol);
}

int
net_setup(CURL *c, const char *url, const struct net_opts *o,
    struct net_guard *g, struct dr_error *err)
{
	CURLU	*u;
	char	*host = NULL;
	int	 clear;

	memset(g, 0, sizeof *g);
	u = curl_url();
	if (u == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return dr_seterr(err, DR_E_USAGE, "not a valid URL");
	}
	g->loopback_only = net_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(u);
	clear = o->allow_cleartext || g->loopback_only;
	if (o->allow_cleartext)
		g->loopback_only = 0;

	/* imaps:// and smtps:// are TLS from the start in any case. */
	curl_easy_setopt(c, CURLOPT_USE_SSL, clear ? (long)CURLUSESSL_TRY :
	    (long)CURLUSESSL_ALL);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (o->ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	if (g->loopback_only)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, g);
	return 0;
}

void
net_explain(CURLcode rc, const char *errbuf, const struct net_guard *g,
    char *out, size_t len)
{
	const char	*what = errbuf != NULL && *errbuf != '\0' ? errbuf :
			    curl_easy_strerror(rc);

	if (g != NULL && g->refused) {
		snprintf(out, len, "refused to connect in clear text to an "
		    "address that is not loopback");
		return;
	}
	switch (rc) {
	case CURLE_USE_SSL_FAILED:
		snprintf(out, len, "%s: the server does not offer TLS "
		    "(STARTTLS), or refused it, so nothing more was sent "
		    "(clear text only with --allow-cleartext)", what);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(out, len, "%s: the server's certificate is not "
		    "for this host name, or not signed by a trusted CA "
		    "(--ca-file names a private CA)", what);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(out, len, "%s (--ca-file)", what);
		break;
	default:
		snprintf(out, len, "%s", what);
		break;
	}
}

void
net_redact(const char *url, char *out, size_t len)
{
	const char	*auth, *end, *at = NULL, *colon, *p;

	snprintf(out, len, "%s", url);
	auth = strstr(url, "://");
	if (auth == NULL)
		return;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	/* The user part ends at the last '@' of the authority. */
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return;
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon == NULL)
		return;
	snprintf(out, len, "%.*s***%s", (int)(colon + 1 - url), url, at);
}

void
net_keep_reply(char *dst, size_t size, const char *data, size_t len)
{
	size_t	i;

	if (size == 0)
		return;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len >= size)
		len = size - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		dst[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	dst[len] = '\0';
}
