/*
 * standalone.c: a main for a fuzz target, for builds without libFuzzer,
 * so that "make check" replays every known input everywhere.
 *
 * usage: replay_TARGET [FILE | DIRECTORY]...
 *
 * Runs the target once on every file named, and on every file below
 * every directory named. Without arguments: tests/corpus and the
 * target's findings, tests/fuzz/regressions/TARGET. Each input is read
 * into a buffer of its exact size, as libFuzzer does. A crash, a
 * sanitizer report or a broken invariant fails the run; so does a
 * path that cannot be read or a directory that holds no file.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef SRCDIR
#error "SRCDIR must be defined"
#endif
#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must be defined"
#endif

static const char	*prog = "replay_" FUZZ_TARGET;

static int	run_file(const char *, off_t);
static int	run_path(const char *, unsigned long *);

/* Run the target on one file. Returns 0, or -1 if it cannot be read. */
static int
run_file(const char *path, off_t size)
{
	unsigned char	*data;
	size_t		 len, got = 0;
	FILE		*f;

	if (size < 0 || (unsigned long long)size > SIZE_MAX / 2) {
		fprintf(stderr, "%s: %s: too large\n", prog, path);
		return -1;
	}
	len = (size_t)size;
	data = malloc(len > 0 ? len : 1);
	if (data == NULL) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		free(data);
		return -1;
	}
	if (len > 0)
		got = fread(data, 1, len, f);
	if (got != len || ferror(f)) {
		fprintf(stderr, "%s: %s: short read\n", prog, path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	/* Named first: if the target crashes, the log says on what. */
	printf("%s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

/*
 * Run the target on a file, or on every file below a directory; *n
 * counts the files. Returns 0 or -1.
 */
static int
run_path(const char *path, unsigned long *n)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		*sub;
	size_t		 len;
	int		 rc = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (S_ISREG(st.st_mode)) {
		(*n)++;
		return run_file(path, st.st_size);
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		len = strlen(path) + strlen(de->d_name) + 2;
		sub = malloc(len);
		if (sub == NULL) {
			fprintf(stderr, "%s: out of memory\n", prog);
			rc = -1;
			break;
		}
		snprintf(sub, len, "%s/%s", path, de->d_name);
		rc = run_path(sub, n);
		free(sub);
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	static const char *const defaults[] = {
		SRCDIR "/tests/corpus",
		SRCDIR "/tests/fuzz/regressions/" FUZZ_TARGET,
		NULL
	};
	const char *const	*paths = defaults;
	unsigned long		 n, total = 0;
	int			 i;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1)
		paths = (const char *const *)argv + 1;
	for (i = 0; paths[i] != NULL; i++) {
		n = 0;
		if (run_path(paths[i], &n) == -1)
			return 1;
		if (n == 0) {
			fprintf(stderr, "%s: %s: no input files\n", prog,
			    paths[i]);
			return 1;
		}
		printf("%s: %lu inputs from %s\n", prog, n, paths[i]);
		total += n;
	}
	printf("%s: %lu inputs run\n", prog, total);
	return 0;
}
