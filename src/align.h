/*
 * align.h: DMARC identifier alignment (RFC 7489 section 3.1).
 *
 * An authenticated domain (DKIM d=, SPF MAIL FROM) is aligned with the
 * RFC5322.From domain in strict mode when the two are equal, and in
 * relaxed mode when their organisational domains are equal. The
 * organisational domain is the registrable domain of the Public Suffix
 * List (through libpsl): one label below the longest public suffix.
 * Domains are expected normalised (lower case, no trailing dot).
 */
#ifndef DR_ALIGN_H
#define DR_ALIGN_H

#include "error.h"

/* Load the Public Suffix List once. Returns 0, or -1 with err set. */
int	 align_init(struct dr_error *);

/*
 * The organisational domain of a domain: a suffix of it (no copy). A
 * domain that is itself a public suffix is its own.
 */
const char *align_org(const char *);

/* 1 if the domain is itself a public suffix (co.uk, example). */
int	 align_is_suffix(const char *);

/* Alignment modes, as written in adkim= and aspf=. */
enum align_mode {
	ALIGN_RELAXED = 0,	/* "r", the default */
	ALIGN_STRICT,		/* "s" */
};

/* The mode of an adkim/aspf value: NULL or anything but "s" is relaxed. */
enum align_mode align_mode(const char *);

/* 1 if the authenticated domain is aligned with the From domain. */
int	 align_match(const char *, const char *, enum align_mode);

#endif
