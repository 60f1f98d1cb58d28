/*
 * check-mta.h: what dmarcdb check (check.h) audits of a domain's mail
 * transport: its MTA-STS record and policy (RFC 8461), its TLS-RPT
 * record (RFC 8460), and the domain verification records of services
 * at its apex (verif.h), listed. The policy is fetched over HTTPS
 * (fetch.h); the lookups go out in one batch (dns.h).
 */
#ifndef DR_CHECK_MTA_H
#define DR_CHECK_MTA_H

#include <stddef.h>

#include "mtasts.h"
#include "verif.h"

struct conf;
struct dns;
struct check_domain;
struct check_opts;

#define CHECK_RUA	8
#define CHECK_VERIF	16

struct check_verif {
	const char	*service;	/* verif.c's, static */
	char		 record[VERIF_RECORD_MAX + 1];	/* printable ASCII */
};

struct check_mta {
	/* _mta-sts: the STSv1 record as found (cut), and its valid id. */
	char			 record[1025];
	char			 id[33];
	/* The policy read (when policy), and where it was fetched. */
	int			 policy;
	struct mtasts_policy	 pol;
	char			 fetched_from[300];
	/* _smtp._tls: the TLSRPTv1 record (cut), and its destinations. */
	char			 tlsrpt[2049];
	char			 rua[CHECK_RUA][256];
	size_t			 nrua;
	/*
	 * Whether record and tlsrpt say what DNS holds (answered, at most
	 * one record), for check_keep.
	 */
	int			 record_known, tlsrpt_known;
	/* The verification records at the apex. */
	struct check_verif	 verif[CHECK_VERIF];
	size_t			 nverif;
};

/*
 * Audit c's domain (its MX already in c) into c->mta, the findings to
 * c->f: its policy fetched with the CAs of o->ca_file (NULL: the
 * system's) and conf's connect-to mappings. Returns 0, or -1 when DNS
 * is not available at all or memory runs out (why).
 */
int	check_mta(struct dns *, const struct conf *, const struct check_opts *,
	    struct check_domain *, char *, size_t);

#endif
