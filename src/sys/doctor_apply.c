#include "sys/doctor_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sys/procfile.h"
#include "sys/sysctl.h"
#include "sys/sysctl_conf.h"

size_t tl_doctor_changes(const struct tl_findings *f, const struct tl_doctor_readings *r,
			 struct tl_doctor_change *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n && n < max; i++) {
		const struct tl_finding *fi = &f->items[i];
		if (fi->severity < TL_SEV_WARN || !fi->sysctl[0])
			continue;
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup |= strcmp(out[j].name, fi->sysctl) == 0;
		if (dup)
			continue;
		struct tl_doctor_change *c = &out[n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", fi->sysctl);
		snprintf(c->value, sizeof(c->value), "%s", fi->value);
		c->global = fi->global;
		c->host_only = fi->global && !r->host.init_netns;
		c->finding = fi;
		c->status = TL_CHANGE_PLANNED;
		for (int id = 0; id < TL_DS_COUNT; id++) {
			const struct tl_doctor_sysctl_info *info =
				tl_doctor_sysctl_info((enum tl_doctor_sysctl)id);
			if (strcmp(info->name, c->name) == 0 && r->sysctl[id].present) {
				snprintf(c->old, sizeof(c->old), "%s", r->sysctl[id].text);
				c->writable = r->sysctl[id].writable;
			}
		}
	}
	return n;
}

/* A growing string for the drop-in text. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int need = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (need < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + (size_t)need < b->cap) {
			b->len += (size_t)need;
			return;
		}
		size_t cap = (b->cap ? b->cap : 1024);
		while (cap <= b->len + (size_t)need)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
}

/* Writes s as comment lines "# ...", wrapped near 96 columns at spaces. */
static void sb_comment(struct sbuf *b, const char *label, const char *s)
{
	const size_t width = 94;
	size_t llen = strlen(label);
	const char *p = s;
	bool first = true;
	while (*p) {
		size_t room = width - (first ? llen : 4);
		size_t len = strlen(p);
		size_t take = len;
		if (len > room) {
			take = room;
			while (take > 0 && p[take] != ' ')
				take--;
			if (take == 0)
				take = room;
		}
		sb_printf(b, "# %s%.*s\n", first ? label : "    ", (int)take, p);
		p += take;
		while (*p == ' ')
			p++;
		first = false;
	}
}

char *tl_doctor_dropin_text(const struct tl_doctor_change *c, size_t n,
			    const struct tl_doctor_workload *w, const struct tl_host *h)
{
	struct sbuf b = { 0 };
	char r1[32], d1[32];
	sb_printf(&b, "# Written by tcplab doctor %s for Linux %s.\n", TCPLAB_VERSION,
		  h->kernel_release);
	sb_printf(&b, "# Workload: %s, RTT %s, %u flow(s), %" PRIu64 " new connections/s per "
		      "destination,\n#   %" PRIu64 " concurrent connections.\n",
		  tl_doctor_fmt_rate((double)w->rate_bps, r1, sizeof(r1)),
		  tl_doctor_fmt_duration(w->rtt_ns, d1, sizeof(d1)), w->flows, w->conns_per_sec,
		  w->concurrent);
	sb_printf(&b, "# Install as /etc/sysctl.d/90-tcplab.conf; 'sysctl --system' loads it.\n");
	if (!h->init_netns)
		sb_printf(&b, "# Read inside network namespace net:[%" PRIu64 "], not the host's: "
			      "installed in\n#   /etc/sysctl.d/ this sets the host's values at boot, "
			      "not that namespace's.\n", h->netns_inode);
	if (n == 0)
		sb_printf(&b, "# No warn or severe finding has a sysctl fix: nothing to set.\n");
	for (size_t i = 0; i < n; i++) {
		const struct tl_finding *f = c[i].finding;
		sb_printf(&b, "\n");
		if (f) {
			sb_printf(&b, "# [%s] %s\n", tl_severity_name(f->severity), f->title);
			if (f->why[0])
				sb_comment(&b, "why: ", f->why);
			if (f->cost[0])
				sb_comment(&b, "cost: ", f->cost);
		}
		if (c[i].old[0])
			sb_printf(&b, "# was: %s\n", c[i].old);
		if (c[i].global)
			sb_printf(&b, "# global: applies to the whole host, not one network namespace\n");
		sb_printf(&b, "%s = %s\n", c[i].name, c[i].value);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

int tl_doctor_write_file(const char *path, const char *text, struct tl_err *err)
{
	char tmp[4096];
	int ret = -1, fd = -1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return tl_err_set(err, ENAMETOOLONG, "write %s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = tl_err_errno(err, "write %s: create %s", path, tmp);
		goto out;
	}
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t put = write(fd, text + done, len - done);
		if (put < 0 && errno == EINTR)
			continue;
		if (put < 0) {
			ret = tl_err_errno(err, "write %s", tmp);
			goto out;
		}
		done += (size_t)put;
	}
	if (fsync(fd) < 0) {
		ret = tl_err_errno(err, "fsync %s", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = tl_err_errno(err, "close %s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = tl_err_errno(err, "rename %s to %s", tmp, path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	return ret;
}

/* mkdir -p of the directory that holds path. */
static int make_parent(const char *path, struct tl_err *err)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return tl_err_errno(err, "mkdir %s", dir);
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return 0;
}

int tl_doctor_apply_now(struct tl_doctor_change *c, size_t n, const char *state_path,
			uint64_t netns_inode, struct tl_err *err)
{
	struct sbuf b = { 0 };
	int ret = -1;
	bool state_written = false;
	size_t todo = 0;
	for (size_t i = 0; i < n; i++) {
		if (c[i].host_only) {
			c[i].status = TL_CHANGE_SKIPPED;
			continue;
		}
		if (!c[i].writable)
			return tl_err_set(err, EACCES,
					  "%s is not writable here (needs root, or CAP_NET_ADMIN in this "
					  "network namespace); nothing was changed", c[i].name);
		todo++;
	}
	/* Nothing to change: no state file, so nothing blocks a later --apply-now. */
	if (todo == 0)
		return 0;
	if (access(state_path, F_OK) == 0)
		return tl_err_set(err, EEXIST,
				  "state file %s exists: an earlier --apply-now was not reverted; run "
				  "'tcplab doctor --revert' first, or choose another --state FILE",
				  state_path);
	/* Record what is set right now, not what was read earlier. */
	time_t now = time(NULL);
	char when[64] = "";
	ctime_r(&now, when);
	sb_printf(&b, "# tcplab doctor: values before --apply-now, %s", when);
	sb_printf(&b, "# 'tcplab doctor --revert --state %s' restores them, in this namespace.\n",
		  state_path);
	sb_printf(&b, "# netns %" PRIu64 "\n", netns_inode);
	for (size_t i = 0; i < n; i++) {
		if (c[i].status == TL_CHANGE_SKIPPED)
			continue;
		ret = tl_sysctl_read(c[i].name, c[i].old, sizeof(c[i].old), err);
		if (ret < 0)
			goto out;
		sb_printf(&b, "%s = %s\n", c[i].name, c[i].old);
	}
	if (b.oom) {
		ret = tl_err_set(err, ENOMEM, "apply: out of memory");
		goto out;
	}
	ret = make_parent(state_path, err);
	if (ret == 0)
		ret = tl_doctor_write_file(state_path, b.p, err);
	if (ret < 0) {
		tl_err_prefix(err, "recording old values (nothing was changed)");
		goto out;
	}
	state_written = true;
	for (size_t i = 0; i < n; i++) {
		if (c[i].status == TL_CHANGE_SKIPPED)
			continue;
		ret = tl_sysctl_write(c[i].name, c[i].value, err);
		if (ret < 0)
			goto out;
		c[i].status = TL_CHANGE_APPLIED;
	}
	ret = 0;
out:
	if (ret < 0 && state_written) {
		/* Undo what was written so a failed apply leaves the kernel as it was. */
		bool undone = true;
		for (size_t i = 0; i < n; i++) {
			if (c[i].status != TL_CHANGE_APPLIED)
				continue;
			if (tl_sysctl_write(c[i].name, c[i].old, NULL) == 0)
				c[i].status = TL_CHANGE_PLANNED;
			else
				undone = false;
		}
		/* Keep the record if something could not be put back: --revert may still. */
		if (undone)
			unlink(state_path);
		else
			tl_err_prefix(err, "not every value could be put back (see %s)", state_path);
	}
	free(b.p);
	return ret;
}

int tl_doctor_revert(const char *state_path, uint64_t netns_inode, size_t *restored,
		     struct tl_err *err)
{
	char *text = NULL;
	struct tl_sysctl_setting set[TL_DOCTOR_MAX_CHANGES];
	size_t n = 0;
	int ret = -1;
	*restored = 0;
	if (tl_procfile_read(state_path, &text, err) < 0) {
		if (err && err->code == ENOENT)
			tl_err_set(err, ENOENT, "no state file %s: nothing was applied with "
				   "--apply-now (or it was reverted already)", state_path);
		return -ENOENT;
	}
	const char *tag = strstr(text, "\n# netns ");
	if (tag) {
		uint64_t recorded = strtoull(tag + 9, NULL, 10);
		if (recorded != netns_inode) {
			ret = tl_err_set(err, EXDEV,
					 "%s was recorded in network namespace net:[%" PRIu64 "]; this "
					 "is net:[%" PRIu64 "]: run --revert in that namespace",
					 state_path, recorded, netns_inode);
			goto out;
		}
	}
	ret = tl_sysctl_conf_parse(text, set, TL_DOCTOR_MAX_CHANGES, &n, err);
	if (ret < 0) {
		tl_err_prefix(err, "%s", state_path);
		goto out;
	}
	ret = -1;
	int failed = 0;
	struct tl_err first = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (tl_sysctl_write(set[i].name, set[i].value, failed ? NULL : &first) < 0)
			failed++;
		else
			(*restored)++;
	}
	if (failed) {
		ret = tl_err_set(err, first.code ? first.code : EIO,
				 "%d of %zu values not restored (state kept in %s): %s", failed, n,
				 state_path, first.msg);
		goto out;
	}
	if (unlink(state_path) < 0) {
		ret = tl_err_errno(err, "values restored, but removing %s failed", state_path);
		goto out;
	}
	ret = 0;
out:
	free(text);
	return ret;
}
