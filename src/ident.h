/*
 * ident.h: who a source is (dmarcdb(1), IDENTITY), from the evidence:
 * how it authenticates (from the reports), who owns its network (the
 * location database) and the service of the catalogue that this
 * evidence names. The report commands open it once.
 */
#ifndef DR_IDENT_H
#define DR_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "error.h"
#include "geo.h"

struct conf;
struct source;

struct ident {
	struct geo		*geo;		/* NULL: none */
	struct catalogue	*cat;		/* NULL: none */
};

struct source_ident {
	struct geo_info		 geo;		/* asn 0: not known */
	struct svc_match	 svc;		/* svc NULL: none */
};

/*
 * The location database and the catalogue of the configuration; what
 * cannot be had (no database, a catalogue that cannot be read) is said
 * once on standard error and left out. Free with ident_close.
 */
void	 ident_open(const struct conf *, struct ident *);
void	 ident_close(struct ident *);

/* The identity of n listed sources, out[i] for src[i]. */
void	 ident_sources(const struct ident *, const char *,
	    const struct source *, size_t, struct source_ident *);

/*
 * The name a source is shown with: its configured sender's, else the
 * service's ("SendGrid", "SendGrid (not as us)", "in SendGrid's
 * network"), else "".
 */
void	 ident_name(const struct source *, const struct source_ident *,
	    char *, size_t);

/* "AS15169 US", "US" or "-". */
void	 ident_network(const struct geo_info *, char *, size_t);

/* "for-us", "other-customer", "network" or "" (SVC_NONE). */
const char *ident_how_name(enum svc_how);

#endif
