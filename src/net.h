/*
 * net.h: what the IMAP and SMTP clients share: when TLS is required,
 * which certificates are trusted, and how an error of libcurl is told.
 *
 * Credentials never travel in clear: every connection requires TLS
 * (imaps:// and smtps:// from the start, imap:// and smtp:// by
 * STARTTLS, CURLUSESSL_ALL), so a server that does not offer STARTTLS,
 * or refuses it, is left before anything else is sent. Clear text is
 * allowed only when asked for (allow_cleartext), or to a loopback
 * address written as such in the URL (127.0.0.0/8, ::1): a name such
 * as "localhost" is not trusted to be one. Such a connection may go
 * nowhere else: no proxy, and a socket to any other address is refused.
 * Certificates and host names are always verified.
 */
#ifndef DR_NET_H
#define DR_NET_H

#include <curl/curl.h>

#include "error.h"

struct net_opts {
	int		 allow_cleartext;	/* 1: clear text to any server */
	const char	*ca_file;		/* or NULL: the system's CAs */
};

/*
 * The state of one connection's checks; it must outlive the transfers
 * of the handle it was set up for.
 */
struct net_guard {
	int		 loopback_only;	/* sockets to loopback only */
	int		 refused;	/* a socket elsewhere was refused */
};

/*
 * 1 if host, as a URL names it (IPv6 in brackets), is a literal
 * loopback address: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104.
 */
int	net_is_loopback(const char *);

/*
 * Set up handle c for connections to the host of url (the scheme is
 * the caller's to check): TLS required unless o allows clear text or
 * the host is a literal loopback address, certificates verified (by
 * o->ca_file's CAs alone when given), TLS 1.2 or later. Returns 0, or
 * -1 with err filled in (DR_E_USAGE: not a URL).
 */
int	net_setup(CURL *, const char *, const struct net_opts *,
	    struct net_guard *, struct dr_error *);

/*
 * What went wrong with a transfer that ended with rc, for a person:
 * libcurl's own words (errbuf when it holds any), and what to do about
 * TLS errors. Writes a NUL-terminated string to out.
 */
void	net_explain(CURLcode, const char *, const struct net_guard *,
	    char *, size_t);

/*
 * url, with any password in it replaced by "***", for messages; cut to
 * fit len bytes (NUL included).
 */
void	net_redact(const char *, char *, size_t);

/*
 * Keep a line the server sent (len bytes of data), for a message: line
 * end dropped, cut to fit size bytes (NUL included), and every byte
 * that is not printable ASCII made '?', since a server may send
 * anything.
 */
void	net_keep_reply(char *, size_t, const char *, size_t);

#endif
