/* The probe's state file: results per destination with the time they were measured. */
#include "tune/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune/probe.h"

int tl_cache_default_path(char *buf, size_t len, struct tl_err *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	/* The XDG base directory spec: a relative XDG_CACHE_HOME is invalid and is ignored. */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/tcplab/probe.json", xdg);
	else if (home && home[0])
		n = snprintf(buf, len, "%s/.cache/tcplab/probe.json", home);
	else
		return tl_err_set(err, ENOENT, "no place for the probe state file: neither "
				  "XDG_CACHE_HOME nor HOME is set (give one with --state FILE)");
	if (n < 0 || (size_t)n >= len)
		return tl_err_set(err, ENAMETOOLONG, "probe state file path is too long (give a "
				  "shorter one with --state FILE)");
	return 0;
}

void tl_cache_key(const char *host, uint16_t port, enum tl_direction dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s port %u %s", host, (unsigned)port, tl_direction_name(dir));
}

static int corrupt(struct tl_err *err, const char *path, const char *what)
{
	return tl_err_set(err, EINVAL, "probe state file %s: %s. It only holds remembered "
			  "measurements: remove it (rm %s) or use another with --state FILE",
			  path, what, path);
}

/* Every entry must be {"measured_at": N, "probe": <a valid probe result>}. */
static int check_entries(const char *path, const json_t *entries, struct tl_err *err)
{
	const char *key;
	const json_t *e;
	char what[400];
	json_object_foreach((json_t *)entries, key, e) {
		struct tl_probe_result r;
		struct tl_err perr = { 0 };
		const json_t *at = json_object_get(e, "measured_at");
		if (!json_is_object(e) || !json_is_integer(at) || json_integer_value(at) < 0) {
			snprintf(what, sizeof(what), "entry \"%.100s\" has no valid measured_at", key);
			return corrupt(err, path, what);
		}
		if (tl_probe_from_json(json_object_get(e, "probe"), &r, &perr) < 0) {
			snprintf(what, sizeof(what), "entry \"%.100s\": %.250s", key, perr.msg);
			return corrupt(err, path, what);
		}
	}
	return 0;
}

int tl_cache_load(const char *path, json_t **state, struct tl_err *err)
{
	json_error_t jerr;
	char what[300];
	*state = NULL;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT) {
			*state = json_pack("{s:i,s:{}}", "tcplab_probe_cache", TL_CACHE_FORMAT, "entries");
			return *state ? 0 : tl_err_set(err, ENOMEM, "probe state: out of memory");
		}
		return tl_err_errno(err, "open probe state file %s", path);
	}
	json_t *doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!doc) {
		snprintf(what, sizeof(what), "not valid JSON (line %d, column %d: %s)", jerr.line,
			 jerr.column, jerr.text);
		return corrupt(err, path, what);
	}
	const json_t *fmt = json_object_get(doc, "tcplab_probe_cache");
	const json_t *entries = json_object_get(doc, "entries");
	int rc;
	if (!json_is_integer(fmt) || !json_is_object(entries)) {
		rc = corrupt(err, path, "not a tcplab probe state file (no \"tcplab_probe_cache\" "
			     "and \"entries\")");
	} else if (json_integer_value(fmt) != TL_CACHE_FORMAT) {
		snprintf(what, sizeof(what), "format %lld, this tcplab reads format %d",
			 (long long)json_integer_value(fmt), TL_CACHE_FORMAT);
		rc = corrupt(err, path, what);
	} else {
		rc = check_entries(path, entries, err);
	}
	if (rc < 0) {
		json_decref(doc);
		return rc;
	}
	*state = doc;
	return 0;
}

const json_t *tl_cache_lookup(const json_t *state, const char *key, uint64_t now_s,
			      uint64_t max_age_s, uint64_t *age_s)
{
	const json_t *e = json_object_get(json_object_get(state, "entries"), key);
	const json_t *at = json_object_get(e, "measured_at");
	if (!json_is_integer(at) || json_integer_value(at) < 0)
		return NULL;
	uint64_t t = (uint64_t)json_integer_value(at);
	if (t > now_s || now_s - t > max_age_s)
		return NULL;
	if (age_s)
		*age_s = now_s - t;
	return json_object_get(e, "probe");
}

int tl_cache_put(json_t *state, const char *key, json_t *probe, uint64_t now_s, struct tl_err *err)
{
	json_t *entries = json_object_get(state, "entries");
	if (!json_is_object(entries)) {
		entries = json_object();
		if (!entries || json_object_set_new(state, "entries", entries) < 0)
			return tl_err_set(err, ENOMEM, "probe state: out of memory");
	}
	/* Drop what is too old to ever be used again (json_object_foreach_safe allows deletion). */
	const char *k;
	json_t *e;
	void *tmp;
	json_object_foreach_safe(entries, tmp, k, e) {
		const json_t *at = json_object_get(e, "measured_at");
		uint64_t t = json_is_integer(at) && json_integer_value(at) > 0 ? (uint64_t)json_integer_value(at) : 0;
		if (t + TL_CACHE_KEEP_S < now_s)
			json_object_del(entries, k);
	}
	json_t *entry = json_pack("{s:I,s:O}", "measured_at", (json_int_t)now_s, "probe", probe);
	if (!entry || json_object_set_new(entries, key, entry) < 0)
		return tl_err_set(err, ENOMEM, "probe state: out of memory");
	return 0;
}

/* mkdir -p of the directory part of path, new directories 0700 (the cache is per user). */
static int make_parent_dirs(const char *path, struct tl_err *err)
{
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return tl_err_set(err, ENAMETOOLONG, "probe state file path is too long");
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return tl_err_errno(err, "mkdir %s (for the probe state file)", dir);
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

int tl_cache_save(const char *path, const json_t *state, struct tl_err *err)
{
	char tmp[4096];
	int fd = -1, ret = -1;
	FILE *f = NULL;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return tl_err_set(err, ENAMETOOLONG, "probe state file path is too long");
	ret = make_parent_dirs(path, err);
	if (ret < 0)
		return ret;
	fd = mkstemp(tmp);
	if (fd < 0)
		return tl_err_errno(err, "create a temporary file next to %s", path);
	f = fdopen(fd, "w");
	if (!f) {
		ret = tl_err_errno(err, "fdopen %s", tmp);
		close(fd);
		goto out;
	}
	if (json_dumpf(state, f, JSON_INDENT(1) | JSON_SORT_KEYS) < 0 || fputc('\n', f) == EOF ||
	    fflush(f) == EOF || fsync(fileno(f)) < 0) {
		ret = tl_err_errno(err, "write %s", tmp);
		fclose(f);
		goto out;
	}
	if (fclose(f) == EOF) {
		ret = tl_err_errno(err, "close %s", tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		ret = tl_err_errno(err, "rename %s to %s", tmp, path);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		unlink(tmp);
	return ret;
}
