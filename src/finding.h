/*
 * finding.h: what dmarcdb check finds in a domain's records, one kind
 * of item for every audit (SPF, DKIM, DMARC, MX, MTA-STS): how bad it
 * is, what was found, why it matters, and the fix.
 */
#ifndef DR_FINDING_H
#define DR_FINDING_H

#include <stddef.h>

enum finding_level { FINDING_ERROR, FINDING_WARN, FINDING_NOTE };

#define FINDINGS_MAX	48

struct finding {
	enum finding_level level;
	char		 what[320];
	char		 why[240];
	char		 fix[240];
};

struct findings {
	struct finding	 v[FINDINGS_MAX];
	size_t		 n;
	size_t		 dropped;	/* past FINDINGS_MAX */
};

/*
 * Add a finding: why and fix as given ("" for none), what by the
 * format.
 */
void	finding_add(struct findings *, enum finding_level, const char *,
	    const char *, const char *, ...)
	    __attribute__((format(printf, 5, 6)));

/* "error", "warning", "note". */
const char *finding_level_name(enum finding_level);

#endif
