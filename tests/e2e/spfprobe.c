/*
 * spfprobe.c: the SPF walk of spfwalk.c, for tests/e2e/spf.sh, until
 * dmarcdb check prints it.
 *
 *   spfprobe DOMAIN
 *
 * asks the resolvers of $DMARCDB_RESOLVER and prints, one a line:
 * "found 0|1", "lookups N", "voids N", "queries N", each branch as
 * "branch NAME N", each finding as "LEVEL WHAT | WHY | FIX". Exit 0, or
 * 1 when DNS is not available (the reason on standard error).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "error.h"
#include "rdns.h"
#include "spfwalk.h"

int
main(int argc, char **argv)
{
	static struct spfwalk	 w;
	struct rdns_conf	 c;
	struct dr_error		 err;
	struct dns		*d;
	char			 why[700];
	size_t			 i;
	int			 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: spfprobe DOMAIN\n");
		return 2;
	}
	memset(&c, 0, sizeof c);
	memset(&err, 0, sizeof err);
	if (rdns_conf_env(&c, &err) == -1) {
		fprintf(stderr, "spfprobe: %s\n", err.msg);
		return 2;
	}
	if ((d = dns_new(&c)) == NULL)
		return 2;
	rc = spfwalk(d, argv[1], &w, why, sizeof why);
	dns_free(d);
	rdns_conf_free(&c);
	if (rc == -1) {
		fprintf(stderr, "spfprobe: %s\n", why);
		return 1;
	}
	printf("found %d\nlookups %u\nvoids %u\nqueries %u\n", w.found,
	    w.lookups, w.voids, w.queries);
	for (i = 0; i < w.nbranch; i++)
		printf("branch %s %u\n", w.branch[i].name, w.branch[i].lookups);
	for (i = 0; i < w.f.n; i++)
		printf("%s %s | %s | %s\n",
		    finding_level_name(w.f.v[i].level), w.f.v[i].what,
		    w.f.v[i].why, w.f.v[i].fix);
	return 0;
}
