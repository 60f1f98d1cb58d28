/*
 * fmt.c: numbers and dates for people.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "fmt.h"

#define DAY	86400

void
fmt_count(uint64_t v, char *out, size_t len)
{
	char	digits[32];
	size_t	n, i, o = 0;

	n = (size_t)snprintf(digits, sizeof digits, "%llu",
	    (unsigned long long)v);
	for (i = 0; i < n && o + 1 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0 && o + 2 < len)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

void
fmt_pct(uint64_t part, uint64_t whole, char *out, size_t len)
{
	double	p;

	if (whole == 0) {
		snprintf(out, len, "-");
		return;
	}
	p = 100.0 * (double)part / (double)whole;
	/* Never round to 100% what is not all, nor to 0% what is some. */
	if (p > 99.9 && part < whole)
		snprintf(out, len, ">99.9%%");
	else if (p < 0.1 && part > 0)
		snprintf(out, len, "<0.1%%");
	else
		snprintf(out, len, "%.1f%%", p);
}

void
fmt_day(int64_t day, char *out, size_t len)
{
	time_t		t = (time_t)(day * DAY);
	struct tm	tm;

	if (day == INT64_MIN || day == INT64_MAX || day < 0 ||
	    gmtime_r(&t, &tm) == NULL)
		snprintf(out, len, "-");
	else
		strftime(out, len, "%Y-%m-%d", &tm);
}

