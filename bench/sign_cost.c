/*
 * sign_cost: the CPU time of one TLS server signature with a private key
 * file, through GnuTLS as pop3d's signer makes it (a SHA-256 digest,
 * signed by gnutls_privkey_sign_hash2()).  That signature is what a resumed
 * handshake saves over a full one; bench/README.md, "Where a TLS
 * connection's time goes", compares it with the rest of a connection.
 *
 * Usage: sign_cost KEY.pem [rsa]   (rsa: RSA-PSS, else ECDSA P-256)
 * Build: cc -O2 -o sign_cost bench/sign_cost.c -lgnutls
 */
#define _POSIX_C_SOURCE 200809L
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SIGNATURES 2000

static double
cpu_usec(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) == -1)
		return 0;
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
	unsigned char digest[32];
	gnutls_datum_t pem, data = { digest, sizeof(digest) }, sig;
	gnutls_sign_algorithm_t algo = GNUTLS_SIGN_ECDSA_SECP256R1_SHA256;
	gnutls_privkey_t key;
	double start;
	int i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sign_cost KEY.pem [rsa]\n");
		return 2;
	}
	if (argc == 3 && strcmp(argv[2], "rsa") == 0)
		algo = GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
	memset(digest, 0x5a, sizeof(digest));
	if (gnutls_global_init() < 0 || gnutls_load_file(argv[1], &pem) < 0 ||
	    gnutls_privkey_init(&key) < 0 ||
	    gnutls_privkey_import_x509_raw(key, &pem, GNUTLS_X509_FMT_PEM,
	    NULL, 0) < 0) {
		fprintf(stderr, "sign_cost: cannot load %s\n", argv[1]);
		return 1;
	}
	start = cpu_usec();
	for (i = 0; i < SIGNATURES; i++) {
		if (gnutls_privkey_sign_hash2(key, algo, 0, &data, &sig) < 0) {
			fprintf(stderr, "sign_cost: signing failed\n");
			return 1;
		}
		gnutls_free(sig.data);
	}
	printf("%s: %.1f us of CPU per signature (%d signatures)\n", argv[1],
	    (cpu_usec() - start) / SIGNATURES, SIGNATURES);
	gnutls_privkey_deinit(key);
	gnutls_free(pem.data);
	gnutls_global_deinit();
	return 0;
}
