/*
 * verif.h: the TXT records that services publish at a domain's apex to
 * prove that whoever set up an account there controls the domain
 * ("google-site-verification=...", "MS=ms12345678"), as dmarcdb check
 * lists them (dmarcdb(1), CHECK). They are listed, not judged: each
 * says that a service claims the domain.
 */
#ifndef DR_VERIF_H
#define DR_VERIF_H

/* The longest record shown: tokens are far shorter. */
#define VERIF_RECORD_MAX	255

/*
 * The service a TXT record verifies the domain for ("Google", ...), or
 * NULL: not one of the known forms (a prefix of the table in verif.c,
 * any case, then a value), longer than VERIF_RECORD_MAX bytes, or
 * holding a byte that is not printable ASCII.
 */
const char	*verif_service(const char *);

#endif
