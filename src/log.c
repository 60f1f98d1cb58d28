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

/* How many bytes of s (len) make its first n characters. */
static size_t
chars_bytes(const char *s, size_t len, size_t n)
{
	size_t	i, k = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && k++ == n)
			break;
	return i;
}

/* The characters of s (len bytes): continuation bytes do not count. */
static size_t
chars(const char *s, size_t len)
{
	size_t	i, k = 0;

	for (i = 0; i < len; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

/*
 * The progress line, "label: text", redrawn at most five times a
 * second, in the text form of sanitise.h, and no wider than the
 * terminal (a line that wrapped could not be erased): the label (a
 * path, a URL) loses its start first, shown as "...", then the line
 * its end.
 */
void
log_progress(const char *label, const char *fmt, ...)
{
	struct timespec	now;
	struct winsize	ws;
	struct buf	l = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	va_list		ap;
	size_t		cols = 0, pre, tn, ln, show, room, used, tb;
	size_t		skip = 0;
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
	rc = sanitise_vbprintf(&t, fmt, ap);
	va_end(ap);
	if (rc == 0 && label != NULL)
		rc = sanitise_bprintf(&l, "%s", label);
	if (rc != 0 || t.len == 0)
		goto done;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		cols = ws.ws_col - 1;
	pre = strlen(log_prog) + 2;
	tn = chars(t.data, t.len);
	ln = chars(l.data, l.len);
	show = ln;
	if (cols > 0 && l.len > 0 && pre + ln + 2 + tn > cols) {
		/* Its end tells it apart: "...", then at least 8 of it. */
		room = cols > pre + 2 + tn + 3 + 8 ? cols - pre - 2 - tn - 3 :
		    8;
		if (ln > room) {
			skip = chars_bytes(l.data, l.len, ln - room);
			show = room + 3;
		}
	}
	used = pre + (l.len > 0 ? show + 2 : 0);
	if (cols > 0 && used > cols) {
		/* Too narrow for the label: the text alone. */
		l.len = 0;
		used = pre;
	}
	tb = cols == 0 ? t.len : chars_bytes(t.data, t.len, cols - used);
	pthread_mutex_lock(&log_mtx);
	/* raw: the terminal's own controls, to replace the line */
	fputs("\r\033[K", stderr);
	/* raw: the line is in text form (sanitised above), cut to fit */
	fprintf(stderr, "%s: %s", log_prog, skip > 0 && l.len > 0 ? "..." :
	    "");
	if (l.len > 0) {
		/* raw: the label, in text form */
		fwrite(l.data + skip, 1, l.len - skip, stderr);
		/* raw: a separator */
		fputs(": ", stderr);
	}
	/* raw: the text, in text form */
	fwrite(t.data, 1, tb, stderr);
	fflush(stderr);
	log_progress_shown = 1;
	pthread_mutex_unlock(&log_mtx);
done:
	buf_free(&l);
	buf_free(&t);
}

void
log_progress_clear(void)
{
	pthread_mutex_lock(&log_mtx);
	log_clear_locked();
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}
