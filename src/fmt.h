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

#endif
