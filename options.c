/*
 * options.c: pop3d's command line: the options, their defaults and the
 * checks that combinations make sense, before anything else runs.
 *
 * Trusts only the administrator who wrote the command line, and still
 * checks every number strictly (util.c's parse_number()).  Runs as
 * whoever started pop3d, usually root, before any client byte is read:
 * it must not open files, read the network or log anything but to
 * stderr; what the options name is opened and checked by the file that
 * uses it.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "params.h"
#include "util.h"

static void
usage(FILE *fp)
{
	(void)fprintf(fp, "usage: pop3d [-d] [-f users-file] [-m mailbox-template] "
	    "[-t seconds]\n"
	    "             [--login-timeout=seconds] [--privsep-user=user]\n"
	    "             [--chroot=dir] [--min-uid=uid]\n"
	    "             [--trust-env-address] [--index-dir=dir|none]\n"
	    "             [--proxy-protocol=v1|v2|any --proxy-from=net[,net...]]\n"
	    "             [--tls-cert=file --tls-key=file [--implicit-tls]\n"
	    "             [--allow-plaintext-auth] [--tls-priority=string]\n"
	    "             [--tls-ticket-key=file]]\n"
	    "       pop3d --recover mailbox\n");
}

/*
 * A header from anyone would let any client choose the address in the
 * logs (and dodge fail2ban), so --proxy-protocol needs --proxy-from, and
 * the two address sources exclude each other.
 */
static int
check_proxy_options(const struct options *opt)
{
	if ((opt->proxy_mode != PROXY_OFF) != (opt->proxy_from.count != 0)) {
		(void)fprintf(stderr, "pop3d: --proxy-protocol and "
		    "--proxy-from go together\n");
		return -1;
	}
	if (opt->proxy_mode != PROXY_OFF && opt->trust_env_address) {
		(void)fprintf(stderr, "pop3d: --proxy-protocol and "
		    "--trust-env-address exclude each other\n");
		return -1;
	}
	return 0;
}

int
parse_options(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "users", required_argument, NULL, 'f' },
		{ "mailbox", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "recover", required_argument, NULL, 'R' },
		{ "privsep-user", required_argument, NULL, 'U' },
		{ "chroot", required_argument, NULL, 'C' },
		{ "min-uid", required_argument, NULL, 'M' },
		{ "trust-env-address", no_argument, NULL, 'E' },
		{ "index-dir", required_argument, NULL, 'I' },
		{ "proxy-protocol", required_argument, NULL, 'P' },
		{ "proxy-from", required_argument, NULL, 'F' },
		{ "login-timeout", required_argument, NULL, 'L' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "tls-priority", required_argument, NULL, 'p' },
		{ "implicit-tls", no_argument, NULL, 'i' },
		{ "allow-plaintext-auth", no_argument, NULL, 'a' },
		{ "tls-ticket-key", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int ch;

	opt->mailbox_template = "/var/mail/%u";
	opt->timeout_sec = IDLE_TIMEOUT_SEC_DEFAULT;
	opt->login_timeout_sec = LOGIN_TIMEOUT_SEC_DEFAULT;
	opt->chroot_dir = PRIVSEP_CHROOT_DIR;
	opt->index_dir = INDEX_DIR_DEFAULT;
	opt->min_uid = MIN_UID_DEFAULT;
	opt->tls_priority = TLS_PRIORITY_DEFAULT;
	while ((ch = getopt_long(argc, argv, "df:m:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			opt->debug = 1;
			break;
		case 'f':
			opt->users_file = optarg;
			break;
		case 'm':
			opt->mailbox_template = optarg;
			break;
		case 't':
			if (parse_number(optarg, &v) == -1 || v == 0 ||
			    v > 86400) {
				(void)fprintf(stderr, "pop3d: timeout must be "
				    "1 to 86400 seconds\n");
				return -1;
			}
			opt->timeout_sec = (int)v;
			break;
		case 'L':
			if (parse_number(optarg, &v) == -1 || v == 0 ||
			    v > 3600) {
				(void)fprintf(stderr, "pop3d: login timeout must "
				    "be 1 to 3600 seconds\n");
				return -1;
			}
			opt->login_timeout_sec = (int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			(void)printf("pop3d %s\n", POP3D_VERSION);
			exit(0);
		case 'R':
			opt->recover = optarg;
			break;
		case 'U':
			opt->privsep_user = optarg;
			break;
		case 'C':
			opt->chroot_dir = optarg;
			break;
		case 'M':
			if (parse_number(optarg, &v) == -1 || v == 0 ||
			    v > 0xfffffffeULL) {
				(void)fprintf(stderr, "pop3d: bad --min-uid\n");
				return -1;
			}
			opt->min_uid = (uid_t)v;
			break;
		case 'E':
			opt->trust_env_address = 1;
			break;
		case 'I':
			if (optarg[0] != '/' && strcmp(optarg, "none") != 0) {
				(void)fprintf(stderr, "pop3d: --index-dir must "
				    "be an absolute path or none\n");
				return -1;
			}
			opt->index_dir = strcmp(optarg, "none") == 0 ? NULL :
			    optarg;
			break;
		case 'P':
			if (proxy_parse_mode(optarg, &opt->proxy_mode) == -1) {
				(void)fprintf(stderr, "pop3d: --proxy-protocol "
				    "must be v1, v2 or any\n");
				return -1;
			}
			break;
		case 'F':
			if (proxy_parse_trust(optarg, &opt->proxy_from) == -1) {
				(void)fprintf(stderr, "pop3d: bad --proxy-from "
				    "(at most %d networks ADDRESS[/BITS], no "
				    "bits set after the prefix)\n",
				    PROXY_FROM_MAX);
				return -1;
			}
			break;
		case 'c':
			opt->tls_cert = optarg;
			break;
		case 'k':
			opt->tls_key = optarg;
			break;
		case 'p':
			opt->tls_priority = optarg;
			break;
		case 'i':
			opt->implicit_tls = 1;
			break;
		case 'a':
			opt->allow_plaintext_auth = 1;
			break;
		case 'T':
			opt->tls_ticket_key = optarg;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	if ((opt->tls_cert == NULL) != (opt->tls_key == NULL) ||
	    ((opt->implicit_tls || opt->tls_ticket_key != NULL) &&
	    opt->tls_cert == NULL)) {
		(void)fprintf(stderr, "pop3d: TLS needs both --tls-cert and "
		    "--tls-key\n");
		return -1;
	}
	return check_proxy_options(opt);
}

