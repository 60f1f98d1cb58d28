/*
 * spf.h: SPF records (RFC 7208) as dmarcdb check reads them.
 *
 * A record is parsed into its terms, each checked against the grammar
 * of RFC 7208 section 12: a record that breaks it is a permerror at
 * every receiver, and spf_parse says why. Nothing here looks anything
 * up: the walk through include and redirect, and the count of the DNS
 * lookups it costs, are the caller's (check.c), from the terms.
 */
#ifndef DR_SPF_H
#define DR_SPF_H

#include <stddef.h>
#include <stdint.h>

/* What spf_parse reads: a longer record is refused (not a permerror). */
#define SPF_TEXT_MAX	4096
#define SPF_TERMS_MAX	128
/* RFC 7208, section 4.6.4: DNS-querying terms, void lookups. */
#define SPF_LOOKUPS_MAX	10
#define SPF_VOID_MAX	2

enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT,		/* modifiers from here */
	SPF_EXP,
	SPF_UNKNOWN_MOD
};

struct spf_term {
	enum spf_kind	 kind;
	char		 qualifier;	/* '+', '-', '~' or '?' */
	/*
	 * The domain-spec (include, exists, redirect, exp; a, mx and ptr
	 * when given), or the unknown modifier's name; NULL when none.
	 * Points into the record's copy of the text.
	 */
	const char	*domain;
	int		 macros;	/* the domain-spec holds macros */
	/* ip4, ip6: the network (IPv4 as in cidr.h), its prefix. */
	uint8_t		 addr[16];
	/* ip4, ip6, a, mx: prefix lengths; -1 when not given. */
	int		 cidr4, cidr6;
};

struct spf {
	struct spf_term	 t[SPF_TERMS_MAX];
	size_t		 n;
	/* Index of the redirect modifier, of "all"; -1 when none. */
	int		 redirect, all;
	char		 text[SPF_TEXT_MAX + 1];	/* cut into names */
};

/*
 * 1 if the text is an SPF record ("v=spf1" then the end or a space,
 * any case), else 0: what a TXT lookup keeps of the answers.
 */
int	 spf_is_record(const char *);

/*
 * Parse a record. Returns 0, or -1 with the reason in why (len bytes):
 * a term that is not SPF (naming it, cut), a second redirect or exp,
 * a bad address or prefix length, a bad macro, or a record longer than
 * SPF_TEXT_MAX or with more than SPF_TERMS_MAX terms.
 */
int	 spf_parse(const char *, struct spf *, char *, size_t);

/* 1 if the record has a term of that kind. */
int	 spf_has(const struct spf *, enum spf_kind);

/* A term costs a DNS lookup (include, a, mx, ptr, exists, redirect). */
int	 spf_queries(const struct spf_term *);

/* The name of a term's kind: "include", "ip4", "redirect"... */
const char *spf_kind_name(enum spf_kind);

#endif
