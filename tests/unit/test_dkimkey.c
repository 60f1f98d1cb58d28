/*
 * test_dkimkey.c: DKIM key records (dkimkey.c): the tags, revoked and
 * testing keys, and the size of real RSA keys (made with openssl, as
 * SubjectPublicKeyInfo and as a bare RSAPublicKey) and an Ed25519 key.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkimkey.h"

static const char K512[] =
    "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANrKTQ1Y7MX93MBvSTApo3sdaAUQ4GgU"
    "x/CFTtnV2cOLoNuEMYKp47X7on/wQIwqQTw85xMnnRjVUQ9/LARR/GkCAwEAAQ==";
static const char K1024[] =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCZoCQ//AitEF4XMxTg1n14bf2t"
    "5CDvEBJ7giEA+NqeRN9lObDfFg80HNqQXCsAwXVoIGWUdnaqpm2whivtLc9A/EAW"
    "8SvtS8TWe/43gpg85xrFTqC1KswKcfBFxljj8UsZdYJ4J0eXLtgTbeTCPNk1ZhoY"
    "ywSrVGtGB2eZ19ViMQIDAQAB";
static const char K2048[] =
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqkZro0sAJ6AmuiAmMObB"
    "TCWwV3hnjZagYgAuEoJZtJSpsw52KyG4MMDLjnz+F+X6+6JEZLzXvp9ahYWP3YrN"
    "w0TFUnq6J0pDETkSLWtUBDPvVFskzrm/ZnHNS0NZc7SusinsnGqyHWbIBjE7zDe5"
    "cb33zzwRJB9xB+nt1JxLhqKcfAA6xg0veZgEykwxEJ2NpXk8SjD1NJ3mgIUeu2IJ"
    "CxKlBrMM/BHc/n35wDwLXbqFm71Tnx6X2Z177LrUoAZGwckAirLs3+/4DVfreKKX"
    "i0YhLliCrVMV+NV8+cpTtnAkCqC56vxndK7xW9ogQcxWANL4HNgK4LcQdAxO4TVg"
    "zQIDAQAB";
static const char K4096[] =
    "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAkNTmz9Is3qBxwUZfbez3"
    "1pxX0JYdcQsaygUv1ujt3KvCv7BAsdcotv1lSKJmHXZnF8MC6U2WNxTz2wHFgNx6"
    "c5KvYmdN6c5340LUFZlfMoJEqsZZwrKgBY/qTsjho8HNgsy1eLhOFU2IGjNhR5WE"
    "V3GQFvlwFwnVVv8c2T4crPHBmaZe0RQpZB2iFQVcmiahwrOokQSsUyMNtmG0zUv1"
    "laDOrRiNmIrpaBFbHSGTEldAR2t2pUi6hugMrxCrN33NK+ObjsKSSZIOCJyFz0G5"
    "QZiyOmQY1sbrk2Bt87M3c/uh99EzY2wq3w+HJ+tJblRB08wWESVVD4NPAN72FCn5"
    "5Ob3usyutVK2W0AzwTBA3UkG9Y0gTNfdE9c5ppsCQetaSj9Q28s2dT2OmVe9L7yE"
    "tK3xH38WMSb4vsuKJm+KS3jAd1dWx/WjIWFpzFVXtgwM0yths7ncIrkboTSW6xTT"
    "tDOiGyYByZAmVlcWsvfxmQudh/NOcNXULPBxXTVTMhQmcEtltlWXgd9Hx6mAcaSw"
    "buevQvEtJgf0UmY8ThJ+BRzDVbGoGLwI6KlW47BdFNvXwy1VlhW8614vEEMuu1L3"
    "XAitN5oNtoJo6p4XdS09KJL/O+1Ya/VVr88JjnJ99k/4Qcv4qenY0cDo1HilqT1e"
    "atc4P3vRu6znOfz99MZ8i8UCAwEAAQ==";
static const char K2048_PKCS1[] =
    "MIIBCgKCAQEAxEdIzLh/lYg44OjKz8iIJGfZUxoY7qdldTp93DGfPsXW/bqC+AP8"
    "6KTpp49ZFePBuuAihT5NFUEBYhQ6mKWEIQRnPLsl0y/RI71v9zNtlAwKpSximsAw"
    "Kjm6P2N+oF7/40gZdwiAd+Y9yK8RRCvikNsyMdToRqZJ1g+9CbInWraHGxoK7/Xi"
    "QfnO50xLYsvpKN3Htcug7R7t0BwAOqiI+gSRLDMyxjOdpnNMJeljfOocMKqrFn6f"
    "fHirdoJeYroryawtB2fVtVPbd3v5cBjHarQK6w4KQqBNmaHkkbOBQZgfFJ9kubcC"
    "Dj8g+GVISGTw9fWZWyST//jbsDqStiUZZwIDAQAB";
static const char ED25519[] =
    "+xKj4sd+r5k3b3oyDOSBdW618scqiFJcQcw8cvwP1HE=";

static struct dkimkey	k;
static char		why[256], rec[16384];

/* A record made with a format: rec. */
#define REC(...)	(snprintf(rec, sizeof rec, __VA_ARGS__), rec)

static int
parse(const char *r)
{
	why[0] = '\0';
	return dkimkey_parse(r, &k, why, sizeof why);
}

static void
refused(const char *r, const char *reason)
{
	if (parse(r) != -1)
		fail_msg("accepted: %s", r);
	if (strstr(why, reason) == NULL)
		fail_msg("%s: '%s', not '%s'", r, why, reason);
}

static void
test_rsa_sizes(void **state)
{
	(void)state;
	assert_int_equal(parse(REC("v=DKIM1; k=rsa; p=%s", K512)), 0);
	assert_int_equal(k.bits, 512);
	assert_int_equal(parse(REC("v=DKIM1; p=%s", K1024)), 0);
	assert_int_equal(k.type, DKIMKEY_RSA);
	assert_string_equal(k.k, "rsa");
	assert_int_equal(k.bits, 1024);
	assert_int_equal(parse(REC("v=DKIM1; k=rsa; p=%s", K2048)), 0);
	assert_int_equal(k.bits, 2048);
	assert_int_equal(parse(REC("p=%s", K4096)), 0);
	assert_int_equal(k.bits, 4096);
	/* A bare RSAPublicKey, as some publish. */
	assert_int_equal(parse(REC("v=DKIM1; p=%s", K2048_PKCS1)), 0);
	assert_int_equal(k.bits, 2048);
	assert_false(k.revoked);
}

static void
test_split_and_space(void **state)
{
	char	split[4096];
	size_t	i, o = 0, n = strlen(K2048);

	(void)state;
	/* TXT strings joined with spaces in the key, folded lines. */
	for (i = 0; i < n; i++) {
		if (i > 0 && i % 50 == 0)
			split[o++] = i % 100 ? ' ' : '\t';
		split[o++] = K2048[i];
	}
	split[o] = '\0';
	assert_int_equal(parse(REC(" v = DKIM1 ;\tk=rsa;p= %s ;", split)),
	    0);
	assert_int_equal(k.bits, 2048);
}

static void
test_flags(void **state)
{
	(void)state;
	assert_int_equal(parse("v=DKIM1; p="), 0);
	assert_true(k.revoked);
	assert_int_equal(k.bits, 0);
	assert_int_equal(parse(REC("v=DKIM1; t=y; p=%s", K1024)), 0);
	assert_true(k.testing);
	assert_false(k.strict);
	assert_int_equal(parse(REC("v=DKIM1; t=s : y; p=%s", K1024)), 0);
	assert_true(k.testing);
	assert_true(k.strict);
	assert_int_equal(parse(REC("v=DKIM1; t=yy:x; p=%s", K1024)), 0);
	assert_false(k.testing);
	assert_int_equal(parse(REC("v=DKIM1; h=sha1; p=%s", K1024)), 0);
	assert_true(k.sha1_only);
	assert_int_equal(parse(REC("v=DKIM1; h=sha1:sha256; p=%s", K1024)),
	    0);
	assert_false(k.sha1_only);
	assert_int_equal(parse(REC("v=DKIM1; k=ed25519; p=%s", ED25519)), 0);
	assert_int_equal(k.type, DKIMKEY_ED25519);
	assert_int_equal(parse(REC("v=DKIM1; k=dsa; p=%s", K1024)), 0);
	assert_int_equal(k.type, DKIMKEY_OTHER);
	assert_string_equal(k.k, "dsa");
	/* Unknown tags are passed over. */
	assert_int_equal(parse(REC("v=DKIM1; n=notes here; s=email; p=%s",
	    K1024)), 0);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("v=DKIM1; k=rsa", "no key");
	refused(REC("k=rsa; v=DKIM1; p=%s", K1024), "v= is not first");
	refused(REC("v=DKIM2; p=%s", K1024), "not DKIM1");
	refused(REC("v=DKIM1; p=%s; p=%s", K1024, K1024), "p given twice");
	refused(REC("v=DKIM1; p=%s!", K1024), "not base64");
	refused("v=DKIM1; p=QUJD=", "not base64");
	refused("v=DKIM1; p=QU=JD", "not base64");
	refused("v=DKIM1; p=QUJD", "not an RSA public key");
	refused(REC("v=DKIM1; k=ed25519; p=%s", K1024), "not 32");
	refused(REC("v=DKIM1; k=rsa; p=%s", ED25519),
	    "not an RSA public key");
	refused(REC("v=DKIM1; ; p=%s", K1024), "an empty tag");
	refused(REC("v=DKIM1; 1x=2; p=%s", K1024), "a tag name");
	refused("v=DKIM1; p", "without '='");
	refused(REC("v=DKIM1; n=\x01; p=%s", K1024), "cannot hold");
}

static void
test_limits(void **state)
{
	char	big[DKIMKEY_TEXT_MAX + 8];
	size_t	n;

	(void)state;
	n = (size_t)snprintf(big, sizeof big, "v=DKIM1; p=;n=");
	memset(big + n, 'x', DKIMKEY_TEXT_MAX - n);
	big[DKIMKEY_TEXT_MAX] = '\0';
	assert_int_equal(dkimkey_parse(big, &k, why, sizeof why), 0);
	big[DKIMKEY_TEXT_MAX] = 'x';
	big[DKIMKEY_TEXT_MAX + 1] = '\0';
	assert_int_equal(dkimkey_parse(big, &k, why, sizeof why), -1);
	assert_non_null(strstr(why, "longer than"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_sizes),
		cmocka_unit_test(test_split_and_space),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
