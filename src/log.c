/*
 * log.c: diagnostics on standard error.
 */
#include "config.h"

#include <sys/ioctl.h>

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
 * report ids, library messages): every argument is shown in the text
 * form of sanitise.h (the format is the program's own), so that a
 * message is one line and cannot drive the terminal, whatever the
 * caller passed in it. Without memory for that, or when the line
 * would be longer than LOG_MAX, the whole line is shown in text form,
 * cut at a whole character.
 */
#define LOG_MAX	8192
static void
log_vput(const char *fmt, va_list ap, const char *suffix)
{
	struct buf	b = { NULL, 0, 0 };
	char		msg[2048], line[4 * sizeof msg + 256];
	const char	*out = line;
	va_list		aq;
	size_t		n;
	int		rc;

	va_copy(aq, ap);
	if (sanitise_vbprintf(&b, fmt, aq) == 0 && (suffix == NULL ||
	    sanitise_bprintf(&b, ": %s", suffix) == 0) && b.len > 0 &&
	    b.len <= LOG_MAX)
		out = b.data;
	else {
		rc = vsnprintf(msg, sizeof msg, fmt, ap);
		n = rc < 0 ? 0 : (size_t)rc < sizeof msg ? (size_t)rc :
		    sizeof msg - 1;
		msg[n] = '\0';
		if (suffix != NULL)
			snprintf(msg + n, sizeof msg - n, ": %s", suffix);
		sanitise(msg, line, sizeof line);
	}
	va_end(aq);
	pthread_mutex_lock(&log_mtx);
	log_clear_locked();
	/* raw: the line is in text form */
	fprintf(stderr, "%s: %s\n", log_prog, out);
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
	buf_free(&b);
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

/*
 * The progress line, redrawn at most five times a second, in the text
 * form of sanitise.h, and cut to the terminal's width: a line that
 * wrapped could not be erased.
 */
void
log_progress(const char *fmt, ...)
{
	struct timespec	now;
	struct winsize	ws;
	struct buf	b = { NULL, 0, 0 };
	va_list		ap;
	size_t		i, chars = 0, cols = 0;
	long		ms;
	int		rc;

	if (!log_progress_enabled())
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - log_progress_last.tv_sec) * 1000 +
	    (now.tv_nsec - log_progress_last.tv_nsec) / 1000000;
	if (ms < 200)
		return;
	log_progress_last = now;
	va_start(ap, fmt);
	rc = sanitise_bprintf(&b, "%s: ", log_prog) == 0 ?
	    sanitise_vbprintf(&b, fmt, ap) : -1;
	va_end(ap);
	if (rc != 0 || b.len == 0) {
		buf_free(&b);
		return;
	}
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		cols = ws.ws_col - 1;
	/* Characters, not bytes: continuation bytes do not count. */
	for (i = 0; cols > 0 && i < b.len; i++)
		if (((unsigned char)b.data[i] & 0xc0) != 0x80 &&
		    ++chars > cols)
			break;
	pthread_mutex_lock(&log_mtx);
	/* raw: the terminal's own controls, to replace the line */
	fputs("\r\033[K", stderr);
	/* raw: the line is in text form */
	fwrite(b.data, 1, i < b.len && cols > 0 ? i : b.len, stderr);
	fflush(stderr);
	log_progress_shown = 1;
	pthread_mutex_unlock(&log_mtx);
	buf_free(&b);
}

void
log_progress_clear(void)
{
	pthread_mutex_lock(&log_mtx);
	log_clear_locked();
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}
