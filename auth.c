/*
 * auth.c: credentials and privileges.
 *
 * Checks a user name and password against a users file (passwd layout) or
 * the system's accounts (getpwnam + getspnam), and turns the process into
 * that user.  It runs as root when pop3d was started as root: it reads
 * /etc/shadow and changes uid.  It trusts the users file and the system's
 * account databases; the name and password come from the client and are
 * only compared, never parsed beyond that.
 *
 * Every refusal (unknown user, wrong password, locked, expired or disabled
 * account, unacceptable uid) costs the same work, one crypt() against a
 * hash of the accounts' own method and cost (calibrate()), and gives the
 * caller the same answer, so the client learns nothing from which one it
 * was.  The reason goes to the log.
 */
#include <sys/types.h>

#include <crypt.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"

/* Large (about 32 KiB): kept off the stack and wiped after each use. */
static struct crypt_data crypt_work;
/*
 * The setting hashed against for refused users: the method, cost and salt
 * of a real account of this server once one is seen (calibrate()), so
 * that an unknown name costs what a known one does even when the accounts'
 * hashes are slower than the failure delay; until then the preferred
 * method at its default cost.
 */
static char dummy_setting[CRYPT_OUTPUT_SIZE];
static int dummy_calibrated;

int
auth_init(void)
{
	dummy_calibrated = 0;
	if (crypt_gensalt_rn(crypt_preferred_method(), 0, NULL, 0,
	    dummy_setting, sizeof(dummy_setting)) == NULL)
		return -1;
	return 0;
}

/*
 * Takes the setting (method, cost, salt; never the hash itself) of a
 * usable hash as the dummy, once: "$id$[params$]salt$" for the $-formats,
 * the first 29 octets of bcrypt's.  Other formats leave it as it is.
 */
static void
calibrate(const char *hash)
{
	char setting[CRYPT_OUTPUT_SIZE];
	const char *end;
	size_t len = strlen(hash);

	if (dummy_calibrated || hash[0] != '$' ||
	    crypt_checksalt(hash) == CRYPT_SALT_INVALID)
		return;
	if (strncmp(hash, "$2", 2) == 0 && len == 60)
		end = hash + 29;
	else if ((end = strrchr(hash, '$')) != NULL && end > hash + 2)
		end++;
	else
		return;
	if ((size_t)(end - hash) >= sizeof(setting))
		return;
	memcpy(setting, hash, (size_t)(end - hash));
	setting[end - hash] = '\0';
	if (crypt_checksalt(setting) == CRYPT_SALT_INVALID)
		return;
	(void)strlcpy(dummy_setting, setting, sizeof(dummy_setting));
	dummy_calibrated = 1;
}

/* Strict decimal: digits only, no sign, no overflow. */
static int
parse_id(const char *s, unsigned long *value_r)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (0xfffffffeUL - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*value_r = v;
	return 0;
}

/* Why an entry's uid and gid fields (n fields in all) cannot be used. */
static const char *
ids_refusal(char *const fields[], int n)
{
	unsigned long id;

	if (fields[2][0] == '\0')
		return "no uid for user";
	if (n < 4 || fields[3][0] == '\0')
		return "no gid for user";
	if (parse_id(fields[2], &id) == -1 || parse_id(fields[3], &id) == -1)
		return "bad uid/gid field";
	return NULL;
}

/*
 * Finds name in a users file: "name:hash[:uid:gid:gecos:home:shell]".
 * Returns 1 found, 0 not found, -1 the file could not be read; a found
 * entry that cannot be used gets *reason_r.
 */
static int
users_file_lookup(const char *path, const char *name, struct account *a,
    char *hash, size_t hash_size, const char **reason_r)
{
	char line[USERS_LINE_MAX + 2], *fields[7], *p;
	unsigned long uid, gid;
	FILE *fp;
	int n, found = 0;
	size_t len;

	fp = fopen(path, "re");
	if (fp == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(fp)) {
			/* Over-long line: skip the rest; it matches nothing. */
			int c;
			while ((c = getc(fp)) != EOF && c != '\n')
				;
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (n = 0; n < 7 && p != NULL; n++)
			fields[n] = strsep(&p, ":");
		if (n >= 2)
			calibrate(fields[1]);
		if (strcmp(fields[0], name) != 0 || n < 2)
			continue;
		found = 1;
		if (strlcpy(hash, fields[1], hash_size) >= hash_size)
			hash[0] = '\0';		/* unusable: refused below */
		if (n >= 4 && parse_id(fields[2], &uid) == 0 &&
		    parse_id(fields[3], &gid) == 0) {
			a->uid = (uid_t)uid;
			a->gid = (gid_t)gid;
			a->has_ids = 1;
		} else if (n > 2)
			*reason_r = ids_refusal(fields, n);
		if (n >= 6 && strlcpy(a->home, fields[5], sizeof(a->home)) >=
		    sizeof(a->home))
			*reason_r = "home directory too long";
	}
	if (ferror(fp))
		found = -1;
	explicit_bzero(line, sizeof(line));
	(void)fclose(fp);
	return found;
}

/*
 * shadow(5)'s dates, in days since the epoch: an account past its expiry
 * date (chage -E), a password that must be changed first (last change 0),
 * or one expired for longer than its inactivity period.  POP3 offers no
 * way to change a password, so an expired one cannot log in at all.
 */
static const char *
shadow_refusal(const struct spwd *sp, long today)
{
	if (sp->sp_expire >= 0 && today >= sp->sp_expire)
		return "account expired";
	if (sp->sp_lstchg == 0)
		return "password must be changed";
	if (sp->sp_lstchg > 0 && sp->sp_max >= 0 &&
	    today > sp->sp_lstchg + sp->sp_max)
		return "password expired";
	return NULL;
}

/* Returns 1 found, 0 not found; the hash is "" when it cannot be read. */
static int
system_lookup(const char *name, struct account *a, char *hash,
    size_t hash_size, const char **reason_r)
{
	struct passwd *pw;
	struct spwd *sp;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL)
		return 0;
	a->uid = pw->pw_uid;
	a->gid = pw->pw_gid;
	a->has_ids = 1;
	if (strlcpy(a->home, pw->pw_dir, sizeof(a->home)) >= sizeof(a->home))
		a->home[0] = '\0';
	sp = getspnam(name);
	if (sp == NULL) {
		/* No shadow entry: only a real hash in passwd counts. */
		if (strlcpy(hash, pw->pw_passwd, hash_size) >= hash_size)
			hash[0] = '\0';
		return 1;
	}
	if (strlcpy(hash, sp->sp_pwdp, hash_size) >= hash_size)
		hash[0] = '\0';
	*reason_r = shadow_refusal(sp, (long)(time(NULL) / 86400));
	if (*reason_r != NULL)
		hash[0] = '\0';
	return 1;
}

/*
 * The system's accounts: root's shadow entry shows the method and cost the
 * administrator's tools use.  A locked root ("!", "*") calibrates nothing.
 */
static void
calibrate_from_system(void)
{
	struct spwd *sp;

	if (dummy_calibrated)
		return;
	sp = getspnam("root");
	if (sp != NULL && sp->sp_pwdp != NULL)
		calibrate(sp->sp_pwdp);
}

/* Compares without an early exit, so timing says nothing of the match. */
static int
equal_constant_time(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, n;
	unsigned char diff;

	n = la > lb ? la : lb;
	diff = la != lb;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)((i < la ? a[i] : 0) ^ (i < lb ? b[i] : 0));
	return diff == 0;
}

/* Why a hash cannot be used, or NULL when it can. */
static const char *
hash_refusal(const char *hash)
{
	if (hash[0] == '\0')
		return "no usable password";
	if (hash[0] == '!' || hash[0] == '*')
		return "account locked";
	if (crypt_checksalt(hash) == CRYPT_SALT_INVALID)
		return "unsupported password hash";
	return NULL;
}

/*
 * Why a name may not log in whatever its password, or NULL.  A mailbox
 * named like another's dotlock (alice.lock, which Debian's useradd
 * accepts) would be taken for alice's lock; or alice.lock's session would
 * hold alice's lock file as its mailbox.
 */
static const char *
name_refusal(const char *name)
{
	size_t len = strlen(name);

	if (len >= 5 && strcmp(name + len - 5, ".lock") == 0)
		return "name ends in .lock";
	return NULL;
}

/* Why this uid may not log in (as the process now is), or NULL. */
static const char *
uid_refusal(const struct auth_config *config, const struct account *a)
{
	if (geteuid() == 0) {
		if (!a->has_ids)
			return "no uid for user";
		if (a->uid == 0)
			return "uid 0 refused";
		if (config->users_file == NULL && a->uid < config->min_uid)
			return "uid below minimum";
		return NULL;
	}
	if (a->has_ids && (a->uid != getuid() || a->gid != getgid()))
		return "uid/gid differ from the server's";
	return NULL;
}

/*
 * Returns 0 when name and password are good and the account may log in,
 * -1 otherwise with *reason_r set for the log.  The password is wiped.
 */
int
auth_check_password(const struct auth_config *config, const char *name,
    char *password, struct account *a, const char **reason_r)
{
	char hash[CRYPT_OUTPUT_SIZE];
	const char *refusal = NULL, *setting, *result;
	int found, match;

	memset(a, 0, sizeof(*a));
	hash[0] = '\0';
	if (strlcpy(a->name, name, sizeof(a->name)) >= sizeof(a->name))
		found = 0;
	else if (config->users_file != NULL)
		found = users_file_lookup(config->users_file, name, a, hash,
		    sizeof(hash), &refusal);
	else
		found = system_lookup(name, a, hash, sizeof(hash), &refusal);
	if (config->users_file == NULL)
		calibrate_from_system();
	if (found == -1)
		refusal = "users file unreadable";
	else if (found == 0)
		refusal = "no such user";
	a->exists = found == 1;
	if (refusal == NULL)
		refusal = name_refusal(name);
	if (refusal == NULL)
		refusal = hash_refusal(hash);
	if (refusal == NULL)
		refusal = uid_refusal(config, a);

	/* The same work whatever the outcome: hash against something. */
	setting = refusal == NULL ? hash : dummy_setting;
	result = crypt_rn(password, setting, &crypt_work, sizeof(crypt_work));
	match = result != NULL && result[0] != '*' &&
	    equal_constant_time(result, hash);
	explicit_bzero(password, strlen(password));
	explicit_bzero(&crypt_work, sizeof(crypt_work));
	explicit_bzero(hash, sizeof(hash));

	if (refusal == NULL && !match)
		refusal = "wrong password";
	if (refusal != NULL) {
		*reason_r = refusal;
		return -1;
	}
	return 0;
}

/*
 * Becomes the account's uid and gid with no supplementary groups (not even
 * group mail, which reads every mailbox), and checks that it stuck.  When
 * not root there is nothing to change: uid_refusal() already checked.
 */
int
auth_become_user(const struct account *a, const char **reason_r)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid, groups[2];
	int n;

	if (geteuid() != 0)
		return 0;
	*reason_r = "cannot change to the user's uid/gid";
	if (!a->has_ids || a->uid == 0)
		return -1;
	if (setgroups(1, &a->gid) == -1 ||
	    setresgid(a->gid, a->gid, a->gid) == -1 ||
	    setresuid(a->uid, a->uid, a->uid) == -1)
		return -1;
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		return -1;
	if (ruid != a->uid || euid != a->uid || suid != a->uid ||
	    rgid != a->gid || egid != a->gid || sgid != a->gid)
		return -1;
	n = getgroups(2, groups);
	if (n < 0 || n > 1 || (n == 1 && groups[0] != a->gid))
		return -1;
	/* Root must be gone for good. */
	if (setuid(0) != -1 || seteuid(0) != -1)
		return -1;
	return 0;
}

/*
 * User names in logs: people type passwords into the user field, and log
 * readers split on spaces and '='; keep 0x21-0x7E except '=' and '\',
 * everything else as \xHH.
 */
void
auth_escape_name(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t n = 0;

	for (p = (const unsigned char *)in; *p != '\0' && n + 5 < size; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '=' && *p != '\\') {
			out[n++] = (char)*p;
			continue;
		}
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
	}
	out[n] = '\0';
}

/*
 * A login attempt: the check, and for a failure the log line (fail2ban
 * reads it: the address comes first) and the delay, whatever the reason.
 * Returns 0 or -1; the password is wiped.
 */
int
auth_login(const struct auth_config *config, const char *rip,
    const char *name, char *password, struct account *account_r)
{
	char log_name[4 * USER_NAME_MAX + 1];
	struct timespec until;
	const char *reason;

	/*
	 * A failure answers AUTH_FAILURE_DELAY_MSEC after the attempt began,
	 * however long the hash took: a yescrypt dummy for an unknown user
	 * and a real account's $6$ hash then look alike on the wire.
	 */
	if (clock_gettime(CLOCK_MONOTONIC, &until) == -1)
		until.tv_sec = until.tv_nsec = 0;
	until.tv_sec += AUTH_FAILURE_DELAY_MSEC / 1000;
	until.tv_nsec += (AUTH_FAILURE_DELAY_MSEC % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (strlen(name) > USER_NAME_MAX) {
		explicit_bzero(password, strlen(password));
		memset(account_r, 0, sizeof(*account_r));
		reason = "user name too long";
	} else if (auth_check_password(config, name, password, account_r,
	    &reason) == 0)
		return 0;
	auth_escape_name(name, log_name, sizeof(log_name));
	syslog(LOG_NOTICE, "login failed: rip=%s user=%s reason=%s", rip,
	    account_r->exists ? log_name : "<unknown>", reason);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL) == EINTR)
		;
	return -1;
}
