/*
 * report.h: one aggregate report as the parser hands it to the store.
 *
 * Strings are NUL-terminated, normalised as documented in dmarcdb(1)
 * (STORAGE), and NULL when the element was absent or empty. All memory
 * belongs to the parser and is valid only during the callback that
 * receives it.
 */
#ifndef DR_REPORT_H
#define DR_REPORT_H

#include <stddef.h>
#include <stdint.h>

enum dr_schema {
	DR_SCHEMA_RFC7489 = 0,
	DR_SCHEMA_RFC9990,
};

/* A remark about the input that did not stop it from being stored. */
struct dr_warning {
	const char	*code;		/* short, stable: "enum", "ip", ... */
	const char	*msg;
};

struct dr_dkim {
	const char	*domain;
	const char	*selector;
	const char	*result;
	const char	*human_result;
	const char	*human_result_lang;
};

struct dr_spf {
	const char	*domain;
	const char	*scope;
	const char	*result;
	const char	*human_result;
	const char	*human_result_lang;
};

struct dr_reason {
	const char	*type;
	const char	*comment;
	const char	*comment_lang;
};

struct dr_record {
	uint64_t		 ordinal;	/* 1-based position */
	const char		*source_ip;	/* canonical, or NULL */
	int64_t			 count;
	const char		*disposition;
	const char		*dkim;		/* policy_evaluated */
	const char		*spf;		/* policy_evaluated */
	const char		*header_from;
	const char		*envelope_from;	/* "" = null reverse-path */
	const char		*envelope_to;
	const char		*extensions;	/* raw XML of unknown elements */
	const struct dr_reason	*reasons;
	size_t			 nreasons;
	const struct dr_dkim	*dkims;
	size_t			 ndkims;
	const struct dr_spf	*spfs;
	size_t			 nspfs;
	const struct dr_warning	*warnings;
	size_t			 nwarnings;
};

struct dr_report_error {
	const char	*msg;
	const char	*lang;
};

struct dr_report {
	enum dr_schema		 schema;
	const char		*xmlns;		/* namespace of <feedback> */
	const char		*version;
	/* report_metadata */
	const char		*org_name;	/* raw */
	const char		*email;
	const char		*extra_contact_info;
	const char		*extra_contact_info_lang;
	const char		*report_id;	/* raw */
	const char		*generator;
	int64_t			 begin;
	int64_t			 end;
	const struct dr_report_error *errors;
	size_t			 nerrors;
	/* policy_published */
	const char		*domain;	/* a host name (valid.h) */
	const char		*adkim;
	const char		*aspf;
	const char		*p;
	const char		*sp;
	const char		*np;
	int64_t			 pct;		/* -1: not reported */
	const char		*fo;
	const char		*testing;
	const char		*discovery_method;
	/*
	 * p, sp, np, adkim, aspf, pct, fo and testing are checked against
	 * the DMARC record grammar (valid.h) when read: the fields above
	 * hold valid values only, in canonical form. A value that is not
	 * valid is kept as written (trimmed) in its raw_* field only.
	 */
	const char		*raw_p, *raw_sp, *raw_np, *raw_adkim;
	const char		*raw_aspf, *raw_pct, *raw_fo, *raw_testing;
	const char		*extensions;	/* raw XML of unknown elements */
	/* identity, derived */
	const char		*reporter;	/* org_name or email domain, folded */
	const char		*report_id_norm; /* trimmed, <> removed,
						    ASCII lower-cased */
	/* totals, final only in the report passed to the end callback */
	uint64_t		 nrecords;
	uint64_t		 nmessages;
	const struct dr_warning	*warnings;
	size_t			 nwarnings;
};

#endif
