/*
 * lazy.h: the libraries that only some runs need, loaded the first time
 * they are needed: libcurl, libpq, GMime, libarchive, libcrypto, libloc
 * and c-ares.
 *
 * Most runs of dmarcdb need none of them (an ingest of report files
 * into SQLite, a report command), or one (GMime, for mail), and linked
 * they cost most of a run's start-up: with what they need they were 31
 * of its 60 shared libraries at first, and libcrypto alone made 21,000
 * relocations (issue 18). lazy.c defines the functions of theirs that
 * dmarcdb calls, under their own names, and opens the library (dlopen)
 * when one is first called: the callers are those of the libraries'
 * own headers.
 */
#ifndef DR_LAZY_H
#define DR_LAZY_H

#include <stddef.h>

enum lazy_lib {
	LAZY_CURL,	/* LIBCURL_SONAME (config.h) */
	LAZY_PQ,	/* LIBPQ_SONAME */
	LAZY_GMIME,	/* LIBGMIME_SONAME: mail, read and written */
	LAZY_ARCHIVE,	/* LIBARCHIVE_SONAME: zip archives */
	LAZY_CRYPTO,	/* LIBCRYPTO_SONAME: DKIM keys (check) */
	LAZY_LOC,	/* LIBLOC_SONAME: AS and country of a source */
	LAZY_CARES,	/* LIBCARES_SONAME: DNS lookups */
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
