/*
 * sanitise.h: text from untrusted input, made safe to show (dmarcdb(1),
 * UNTRUSTED TEXT).
 *
 * Report fields, mail headers, attachment and file names, IMAP replies:
 * anything that came from outside may hold characters that drive a
 * terminal or forge a line. Every output context has one encoder here,
 * and every output goes through one of them:
 *
 *	text	(terminal, tables, the digest's text part, log lines)
 *		C0 controls, DEL, C1 controls (U+0080 to U+009F), the bidi
 *		controls (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066
 *		to U+2069), the line and paragraph separators (U+2028,
 *		U+2029) and bytes that are not UTF-8 are shown as escapes,
 *		as strnvis(3) and tmux's utf8_stravis do: \t \n \r, \xNN for
 *		a byte, \uNNNN for a character; a backslash is shown as \\
 *		so that an escape is never ambiguous.
 *	CSV	the text form, quoted, formulas defused.
 *	JSON	escaped: the same characters as \uNNNN, a byte that is not
 *		UTF-8 as \ufffd.
 *	HTML	the text form, then escaped for HTML.
 *
 * The printf family below shows every %s and %c argument in its text
 * form (the format itself is the program's own), so that a caller
 * prints a value without deciding whether it is "safe enough".
 */
#ifndef DR_SANITISE_H
#define DR_SANITISE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

enum sanitise_kind {
	SANITISE_PLAIN,		/* shown as it is */
	SANITISE_CONTROL,	/* a control character: shown escaped */
	SANITISE_INVALID,	/* a byte that is not UTF-8: shown escaped */
};

/*
 * The character at s (n bytes, n > 0): returns its length in bytes (1
 * to 4), sets *cp to its code point (to the byte, when it is not UTF-8)
 * and *kind to what it is. Overlong forms, surrogates, code points
 * beyond U+10FFFF and cut sequences are not UTF-8: each of their bytes
 * is one invalid character.
 */
size_t	sanitise_decode(const char *, size_t, uint32_t *,
	    enum sanitise_kind *);
/* 1 if the code point is one of the controls listed above. */
int	sanitise_is_control(uint32_t);

/*
 * The text form of s into out (len bytes; NUL-terminated when len > 0),
 * cut at a whole character or escape if it does not fit. Returns the
 * length of the whole text form (without the NUL), as snprintf does.
 */
size_t	sanitise(const char *, char *, size_t);
/* The text form in memory the caller frees; NULL when out of memory. */
char	*sanitise_dup(const char *);
/* Characters of the text form (an escape counts its characters). */
size_t	sanitise_width(const char *);
/* Append the text form to b; -1 when out of memory. */
int	sanitise_buf(struct buf *, const char *);

/*
 * printf, fprintf, vfprintf: the arguments of %s and %c in text form;
 * the width and the precision of %s count characters of the text form,
 * and a string is never cut inside a character or an escape. Other
 * conversions are those of printf(3) (no %n). Return what fprintf
 * returns (-1 on an output error).
 */
int	sanitise_printf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
int	sanitise_fprintf(FILE *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	sanitise_vfprintf(FILE *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* The same, appended to a buffer: 0, or -1 when out of memory. */
int	sanitise_bprintf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	sanitise_vbprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* fputs of the text form of s. */
int	sanitise_fputs(const char *, FILE *);
/*
 * errno of the last write to a stream that failed here, or 0: what a
 * later check of ferror() reports, whatever errno became since.
 */
int	sanitise_errno(void);

/* A CSV field: the text form, quoted; a leading = + - @ defused. */
void	sanitise_csv(FILE *, const char *);
/* A JSON string (null for NULL). */
void	sanitise_json(FILE *, const char *);
/*
 * The same two, for the n bytes at s (NULL: as above), into out, which
 * has room for SANITISE_CSV_MAX(n) or SANITISE_JSON_MAX(n) bytes (no
 * NUL is written). Return the bytes written. The bytes are those the
 * stream functions write for the same string (n being its strlen).
 */
#define SANITISE_CSV_MAX(n)	(4 * (n) + 3)
#define SANITISE_JSON_MAX(n)	(6 * (n) + 4)
size_t	sanitise_csv_mem(char *, const char *, size_t);
size_t	sanitise_json_mem(char *, const char *, size_t);
/* The text form of s escaped for HTML text or attributes, appended. */
int	sanitise_html(struct buf *, const char *);

#endif
