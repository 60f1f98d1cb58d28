/*
 * cmd-newest.c: what every report command says of the newest report,
 * so that old data is never taken for quiet mail (dmarcdb(1), REPORTS).
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "fmt.h"
#include "log.h"

void
cmd_newest_note(struct store *s, const char *const *domains, size_t nd,
    const char *as_of_arg, int64_t as_of, int empty, const char *hint)
{
	struct dr_error	 err;
	int64_t		 end = -1, e, covered, days;
	char		 day[32], whom[300], age[64];
	size_t		 i;

	if (as_of_arg == NULL)
		as_of = (int64_t)time(NULL);
	for (i = 0; i < (nd > 0 ? nd : 1); i++) {
		if (store_newest_end(s, nd > 0 ? domains[i] : NULL, as_of, &e,
		    &err) == -1) {
			log_verbose("%s", err.msg);
			return;
		}
		if (e > end)
			end = e;
	}
	snprintf(whom, sizeof whom, "%s%s", nd == 1 ? " for " : "",
	    nd == 1 ? domains[0] : "");
	if (hint == NULL)
		hint = "";
	if (end < 0) {
		if (!empty)
			return;
		if (as_of_arg != NULL)
			log_info("no reports%s before %s%s%s", whom, as_of_arg,
			    *hint ? ". " : "", hint);
		else
			log_info("no reports stored%s", whom);
		return;
	}
	/* The last day its period covers: an end at midnight is the day
	 * before's. */
	covered = cmd_day(end - 1);
	days = cmd_day(as_of) - covered;
	fmt_day(covered, day, sizeof day);
	if (as_of - end > CMD_STALE) {
		log_warnx("no reports%s since %s (%lld day%s): is the ingest "
		    "running?%s%s", whom, day, (long long)days, days == 1 ?
		    "" : "s", *hint ? " " : "", hint);
		return;
	}
	if (!empty)
		return;
	age[0] = '\0';
	if (days > 0)
		snprintf(age, sizeof age, ", %lld day%s %s", (long long)days,
		    days == 1 ? "" : "s", as_of_arg != NULL ? "before --as-of" :
		    "ago");
	log_info("no reports in that period; the newest%s covers up to "
	    "%s%s%s%s", whom, day, age, *hint ? ". " : "", hint);
}
