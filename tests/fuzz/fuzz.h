/*
 * fuzz.h: what the fuzz targets share with libFuzzer and with the
 * standalone replay runner (standalone.c).
 *
 * A target is a pair of functions that libFuzzer calls: the first once,
 * the second for every input. It must not print, must free everything
 * it allocates, and must be deterministic: a crash found by the fuzzer
 * is replayed from its file by the standalone runner in "make check".
 */
#ifndef DR_FUZZ_H
#define DR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Inputs larger than this are ignored (the fuzzer's -max_len is 1 MiB). */
#define FUZZ_MAX_INPUT	(1024 * 1024)

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * An invariant of the API under test. A broken one is a finding: say
 * which, and abort so that libFuzzer keeps the input.
 */
#define FUZZ_CHECK(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		abort();						\
	}								\
} while (0)

#endif
