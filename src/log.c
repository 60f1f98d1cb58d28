/*
 * log.c: diagnostics on standard error.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sanitise.h"

static const char	*log_prog = "dmarcdb";
static int		 log_lvl = LOG_NORMAL;
static int		 log_tty;
static int		 log_progress_shown;
static struct timespec	 log_progress_last;
static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;

static void	log_vput(const char *, va_list, const char *)
		    __attribute__((format(printf, 1, 0)));

void
log_init(const char *prog, int level)
{
	log_prog = prog;
	log_lvl = level;
	log_tty = isatty(STDERR_FILENO);
}

int
log_level(void)
{
	return log_lvl;
}

/* Caller holds log_mtx. */
static void
log_clear_locked(void)
{
	if (log_progress_shown) {
		/* raw: the terminal's own controls, to clear the line */
		fputs("\r\033[K", stderr);
		log_progress_shown = 0;
	}
}

/*
 * Messages carry text from untrusted input (origins, reporter names,
 * report ids, library messages): the whole line but its newline is
 * shown in the text form of sanitise.h, so that a message is one line
 * and cannot drive the terminal, whatever the caller put in it.
 */
static void
log_vput(const char *fmt, va_list ap, const char *suffix)
{
	char	msg[2048], line[4 * sizeof msg + 256];
	size_t	n;
	int	rc;

	rc = vsnprintf(msg, sizeof msg, fmt, ap);
	n = rc < 0 ? 0 : (size_t)rc < sizeof msg ? (size_t)rc :
	    sizeof msg - 1;
	msg[n] = '\0';
	if (suffix != NULL)
		snprintf(msg + n, sizeof msg - n, ": %s", suffix);
	sanitise(msg, line, sizeof line);
	pthread_mutex_lock(&log_mtx);
	log_clear_locked();
	/* raw: the line is in text form */
	fprintf(stderr, "%s: %s\n", log_prog, line);
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char		 ebuf[128];
	const char	*e;
	int		 saved = errno;

	/* GNU's strerror_r returns the text, often not in ebuf at all. */
#ifdef STRERROR_R_CHAR_P
	e = strerror_r(saved, ebuf, sizeof ebuf);
#else
	e = strerror_r(saved, ebuf, sizeof ebuf) == 0 ? ebuf : "unknown error";
#endif
	va_start(ap, fmt);
	log_vput(fmt, ap, e);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vput(fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_lvl < LOG_NORMAL)
		return;
	va_start(ap, fmt);
	log_vput(fmt, ap, NULL);
	va_end(ap);
}

void
log_verbose(const char *fmt, ...)
{
	va_list	ap;

	if (log_lvl < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	log_vput(fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_lvl < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	log_vput(fmt, ap, NULL);
	va_end(ap);
}

int
log_progress_enabled(void)
{
	return log_tty && log_lvl == LOG_NORMAL;
}

void
log_progress(const char *fmt, ...)
{
	struct timespec	now;
	va_list		ap;
	long		ms;

	if (!log_progress_enabled())
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - log_progress_last.tv_sec) * 1000 +
	    (now.tv_nsec - log_progress_last.tv_nsec) / 1000000;
	if (ms < 200)
		return;
	log_progress_last = now;
	pthread_mutex_lock(&log_mtx);
	/* raw: the terminal's own controls, to replace the line */
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	sanitise_fprintf(stderr, "%s: ", log_prog);
	sanitise_vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	log_progress_shown = 1;
	pthread_mutex_unlock(&log_mtx);
}

void
log_progress_clear(void)
{
	pthread_mutex_lock(&log_mtx);
	log_clear_locked();
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}
