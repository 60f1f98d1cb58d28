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
	if (day == INT64_MIN || day == INT64_MAX || day < 0 ||
	    day > FMT_TIME_MAX / DAY)
		snprintf(out, len, "-");
	else
		(void)fmt_utc(day * DAY, FMT_DATE, out, len);
}

static size_t
utc(enum fmt_time f, const struct tm *tm, char *out, size_t len)
{
	switch (f) {
	case FMT_DATE:
		return strftime(out, len, "%Y-%m-%d", tm);
	case FMT_MINUTE:
		return strftime(out, len, "%Y-%m-%d %H:%M", tm);
	case FMT_MINUTE_UTC:
		return strftime(out, len, "%Y-%m-%d %H:%M UTC", tm);
	case FMT_ISO:
		return strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", tm);
	case FMT_WEEKDAY:
		return strftime(out, len, "%a %d %b", tm);
	}
	return 0;
}

int
fmt_utc(int64_t t, enum fmt_time f, char *out, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (len == 0)
		return -1;
	if (t >= 0 && t <= FMT_TIME_MAX && (int64_t)tt == t &&
	    gmtime_r(&tt, &tm) != NULL && utc(f, &tm, out, len) > 0)
		return 0;
	/* strftime leaves out undefined when it fails. */
	if ((size_t)snprintf(out, len, "%lld", (long long)t) >= len)
		out[0] = '\0';
	return -1;
}
