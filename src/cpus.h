/*
 * cpus.h: how many processors this process may use, for the commands
 * that read with more than one thread (a window's records, the digest's
 * domains): the processors of its CPU affinity (taskset, a cpuset),
 * fewer when a cgroup's CPU quota (cgroup v2's cpu.max, the container's
 * limit) allows less time than that, rounded up. At least 1; counted
 * once a process.
 */
#ifndef DR_CPUS_H
#define DR_CPUS_H

long	cpus_usable(void);

/*
 * The processors a cpu.max file's text allows ("QUOTA PERIOD" in
 * microseconds, or "max PERIOD"), rounded up: 0 for no limit, or text
 * that is not that.
 */
long	cpus_quota(const char *);

#endif
