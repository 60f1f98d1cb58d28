/*
 * fmt.h: numbers and dates for people.
 */
#ifndef DR_FMT_H
#define DR_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "1,234,567". */
void	fmt_count(uint64_t, char *, size_t);
/*
 * part of whole as "98.7%" ("-" of nothing); never "100.0%" for less
 * than all nor "0.0%" for more than none.
 */
void	fmt_pct(uint64_t, uint64_t, char *, size_t);
/* A UTC day (days since the epoch) as "2026-11-22"; "-" if none. */
void	fmt_day(int64_t, char *, size_t);
/*
 * A time (seconds since the epoch) in UTC, into out (len bytes);
 * returns 0. Every conversion of a time to text goes through here: a
 * time before 1970 or after 9999-12-31, one that gmtime_r cannot
 * convert, or text that does not fit is written as its number of
 * seconds instead (or "" when even that does not fit), and -1 returned;
 * out is never left unset.
 */
#define FMT_TIME_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */
enum fmt_time {
	FMT_DATE,		/* 2026-11-22 */
	FMT_MINUTE,		/* 2026-11-22 07:00 */
	FMT_MINUTE_UTC,		/* 2026-11-22 07:00 UTC */
	FMT_ISO,		/* 2026-11-22T07:00:00Z */
	FMT_WEEKDAY,		/* Sun 22 Nov */
};
int	fmt_utc(int64_t, enum fmt_time, char *, size_t);

#endif
