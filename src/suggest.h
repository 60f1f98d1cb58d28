/*
 * suggest.h: configuration to start from (sources --suggest-config,
 * dmarcdb(1), SOURCES): a sender block for each sender that passes
 * DMARC for a domain and is not configured, with the rules its passing
 * mail shows (the aligned DKIM domain and selectors, the aligned SPF
 * domain), each commented with what was seen. Nothing from a report
 * goes out that is not a plain domain name or selector.
 */
#ifndef DR_SUGGEST_H
#define DR_SUGGEST_H

#include <stdio.h>

#include "classify.h"

/* The most rules of each kind suggested for one sender. */
#define SUGGEST_RULES	8

/*
 * The domain block for w (classified CLASSIFY_BY_SENDER, with
 * CLASSIFY_KEEP_ALL: the largest compliant sources of each sender
 * give its rules), to f. Returns the number of senders suggested.
 */
size_t	 suggest_config(FILE *, const struct window *);

#endif
