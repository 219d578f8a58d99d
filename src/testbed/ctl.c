/*
 * The testbed's control socket (testbed/ctl.h): both ends of one exchange. Frames, byte
 * order, whole transfers and deadline waits are the wire kit's (net/wire.h); what stays here
 * is the socket's path, its JSON, and the forwarder's side that never blocks.
 */
#include "testbed/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/wire.h"
#include "testbed/state.h"
#include "util/clock.h"

/* The largest answer a client takes: a status document with 100000 flows per direction. */
#define RESP_MAX (64u << 20)
/* The peer in the forwarder's messages. */
#define CLIENT "control client"

static int sun_fill(struct sockaddr_un *sa, const char *path, struct tl_err *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return tl_err_set(err, ENAMETOOLONG, "control socket %s: path longer than %zu "
				  "bytes (set TCPLAB_TESTBED_DIR to a shorter directory)", path,
				  sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

int tl_testbed_ctl_listen(const char *path, int *out_fd, struct tl_err *err)
{
	struct sockaddr_un sa;
	int ret = sun_fill(&sa, path, err);
	if (ret < 0)
		return ret;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "control socket %s: socket", path);
	unlink(path);
	mode_t old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = tl_err_errno(err, "control socket %s: bind", path);
		umask(old);
		goto out;
	}
	umask(old);
	if (listen(fd, 16) < 0) {
		ret = tl_err_errno(err, "control socket %s: listen", path);
		goto out;
	}
	*out_fd = fd;
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

json_t *tl_testbed_ctl_req_status(unsigned flows)
{
	return json_pack("{s:s, s:I}", "cmd", "status", "flows", (json_int_t)flows);
}

json_t *tl_testbed_ctl_req_set(const json_t *options)
{
	return json_pack("{s:s, s:O}", "cmd", "set", "options", options);
}

int tl_testbed_ctl_request(const char *name, json_t *req, uint64_t timeout_ns, json_t **resp,
			   struct tl_err *err)
{
	char dir[512], who[96], hint[160];
	*resp = NULL;
	int ret = tl_testbed_path(dir, sizeof(dir), name, NULL, err);
	if (ret < 0)
		return ret;
	snprintf(who, sizeof(who), "testbed %s", name);
	snprintf(hint, sizeof(hint), "is its forwarder running? 'tcplab testbed status %s'", name);
	return tl_testbed_ctl_request_at(dir, who, hint, req, timeout_ns, resp, err);
}

int tl_testbed_ctl_request_at(const char *dir, const char *who, const char *hint, json_t *req,
			      uint64_t timeout_ns, json_t **resp, struct tl_err *err)
{
	char path[600], peer[128];
	struct sockaddr_un sa;
	struct tl_wire_reader rd;
	char *text = NULL;
	int fd = -1;
	*resp = NULL;
	tl_wire_reader_init(&rd, RESP_MAX);
	if ((size_t)snprintf(path, sizeof(path), "%s/ctl.sock", dir) >= sizeof(path))
		return tl_err_set(err, ENAMETOOLONG, "%s: control socket path too long", who);
	int ret = sun_fill(&sa, path, err);
	if (ret < 0)
		return ret;
	snprintf(peer, sizeof(peer), "%s's forwarder", who);
	uint64_t deadline = tl_now_ns() + timeout_ns;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = tl_err_errno(err, "control socket %s: socket", path);
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = tl_err_errno(err, "%s: connect %s (%s)", who, path, hint);
		goto out;
	}
	json_object_set_new(req, "v", json_integer(TL_TESTBED_CTL_VERSION));
	text = json_dumps(req, JSON_COMPACT);
	if (!text) {
		ret = tl_err_set(err, ENOMEM, "%s: cannot encode the request", who);
		goto out;
	}
	size_t len = strlen(text);
	if (len > TL_TESTBED_CTL_MAX) {
		ret = tl_err_set(err, E2BIG, "%s: request of %zu bytes, at most %u", who, len,
				 TL_TESTBED_CTL_MAX);
		goto out;
	}
	const uint8_t *body;
	size_t blen;
	if ((ret = tl_wire_frame_send(fd, text, len, TL_TESTBED_CTL_MAX, deadline, -1, peer, err)) < 0 ||
	    (ret = tl_wire_frame_recv(fd, &rd, &body, &blen, deadline, -1, peer, err)) < 0) {
		/* A forwarder of an older tcplab waits for a line, not a frame, and drops us. */
		if (err && (ret == -ECONNRESET || ret == -ETIMEDOUT))
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
				 " (a forwarder started by an older tcplab speaks another control "
				 "protocol: take it down and up again)");
		goto out;
	}
	json_error_t jerr;
	json_t *j = json_loadb((const char *)body, blen, 0, &jerr);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		ret = tl_err_set(err, EPROTO, "%s: the forwarder's answer is not a JSON object (%s)",
				 who, jerr.text);
		goto out;
	}
	const char *emsg = json_string_value(json_object_get(j, "error"));
	if (emsg) {
		ret = tl_err_set(err, EIO, "%s", emsg);
		json_decref(j);
		goto out;
	}
	*resp = j;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	tl_wire_reader_free(&rd);
	return ret;
}

void tl_testbed_ctl_conn_init(struct tl_testbed_ctl_conn *c)
{
	memset(c, 0, sizeof(*c));
	tl_wire_reader_init(&c->rd, TL_TESTBED_CTL_MAX);
}

void tl_testbed_ctl_conn_free(struct tl_testbed_ctl_conn *c)
{
	tl_wire_reader_free(&c->rd);
	free(c->out);
	memset(c, 0, sizeof(*c));
}

int tl_testbed_ctl_conn_read(struct tl_testbed_ctl_conn *c, int fd, const char **text,
			     size_t *len, struct tl_err *err)
{
	const uint8_t *body;
	for (;;) {
		/* the length is judged as soon as it is in, before the body is read */
		int ret = tl_wire_reader_take(&c->rd, &body, len, CLIENT, err);
		if (ret > 0)
			*text = (const char *)body;
		if (ret != 0)
			return ret;
		ret = tl_wire_reader_fill(fd, &c->rd, CLIENT, err);
		if (ret <= 0)
			return ret;
	}
}

int tl_testbed_ctl_conn_answer(struct tl_testbed_ctl_conn *c, const json_t *resp)
{
	char *text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
	size_t len = text ? strlen(text) : 0;
	int ret = -ENOMEM;
	if (!len || len > UINT32_MAX)
		goto out;
	free(c->out);
	c->out = malloc(TL_WIRE_FRAME_HDR + len);
	if (!c->out)
		goto out;
	tl_put_be32(c->out, (uint32_t)len);
	memcpy(c->out + TL_WIRE_FRAME_HDR, text, len);
	c->out_len = TL_WIRE_FRAME_HDR + len;
	c->out_off = 0;
	ret = 0;
out:
	free(text);
	return ret;
}

int tl_testbed_ctl_conn_flush(struct tl_testbed_ctl_conn *c, int fd)
{
	ssize_t n = tl_wire_write_some(fd, c->out + c->out_off, c->out_len - c->out_off, CLIENT,
				       NULL);
	if (n < 0)
		return (int)n;
	c->out_off += (size_t)n;
	return c->out_off == c->out_len;
}
