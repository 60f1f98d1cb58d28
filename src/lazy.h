/*
 * lazy.h: libcurl, libpq and GMime, loaded the first time they are
 * needed.
 *
 * Most runs of dmarcdb use none of them (an ingest of files into
 * SQLite, a report command), and linked they cost most of a run's
 * start-up: with what they need they were 31 of its 60 shared
 * libraries (issue 18). lazy.c defines the functions of theirs that dmarcdb calls,
 * under their own names, and opens the library (dlopen) when one is
 * first called: the callers are those of the libraries' own headers.
 */
#ifndef DR_LAZY_H
#define DR_LAZY_H

#include <stddef.h>

enum lazy_lib {
	LAZY_CURL,	/* LIBCURL_SONAME (config.h) */
	LAZY_PQ,	/* LIBPQ_SONAME */
	LAZY_GMIME,	/* LIBGMIME_SONAME: mail, read and written */
};

/*
 * Open the library now (once; any thread): 0, or -1 with why it
 * cannot be (the library's name and the loader's reason) in why (len
 * bytes). A function of a library that cannot be opened fails as the
 * library's own does when it cannot work (curl_easy_init NULL,
 * CURLE_FAILED_INIT, PQconnectdb a connection in CONNECTION_BAD),
 * never crashes; callers that can say why call this first.
 */
int	lazy_load(enum lazy_lib, char *, size_t);

#endif
