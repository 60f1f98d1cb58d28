/*
 * cpus.c: the processors this process may use. See cpus.h.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpus.h"

/* Where cgroup v2 is mounted (the unified hierarchy). */
#define CGROUP_ROOT	"/sys/fs/cgroup"

long
cpus_quota(const char *text)
{
	long long	 quota, period;
	char		*end;

	if (strncmp(text, "max", 3) == 0)
		return 0;
	quota = strtoll(text, &end, 10);
	if (end == text || *end != ' ' || quota <= 0)
		return 0;
	text = end + 1;
	period = strtoll(text, &end, 10);
	if (end == text || (*end != '\0' && *end != '\n') || period <= 0)
		return 0;
	return (long)(quota / period + (quota % period != 0));
}

/* The least quota of this process's cgroup and those above it: 0, none. */
static long
cgroup_quota(void)
{
	char	 line[4096], path[4096 + sizeof CGROUP_ROOT + 16], text[64];
	char	*dir, *slash;
	FILE	*f;
	long	 n, least = 0;

	if ((f = fopen("/proc/self/cgroup", "r")) == NULL)
		return 0;
	dir = NULL;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			dir = line + 3;
			dir[strcspn(dir, "\n")] = '\0';
			break;
		}
	fclose(f);
	if (dir == NULL || *dir != '/')
		return 0;
	for (;;) {
		snprintf(path, sizeof path, "%s%s/cpu.max", CGROUP_ROOT,
		    strcmp(dir, "/") == 0 ? "" : dir);
		if ((f = fopen(path, "r")) != NULL) {
			if (fgets(text, sizeof text, f) != NULL &&
			    (n = cpus_quota(text)) > 0 &&
			    (least == 0 || n < least))
				least = n;
			fclose(f);
		}
		if (strcmp(dir, "/") == 0 || (slash = strrchr(dir, '/')) ==
		    NULL)
			break;
		if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
	}
	return least;
}

/* Counted once a process: a report command asks for each domain. */
static pthread_once_t	usable_once = PTHREAD_ONCE_INIT;
static long		usable;

static void
count_usable(void)
{
	cpu_set_t	set;
	long		n, quota;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	quota = cgroup_quota();
	usable = quota > 0 && quota < n ? quota : n;
}

long
cpus_usable(void)
{
	pthread_once(&usable_once, count_usable);
	return usable;
}
