/*
 * Fuzz target for the agent's per-test state machine (ctl/session.c): a real session of a
 * real agent, driven by the input as the client's side of the control connection.
 *
 * Per input: a session thread (tl_session_main, as the agent's accept loop starts it) on a
 * control connection that is a connected TCP pair on loopback (a unix socketpair has no
 * addresses, which the session asks for). This thread plays the client: it cuts the input
 * into frames and sends them one by one, waiting where a real client waits (for ACCEPT
 * after TEST, for READY before START), and plays the accept loop: once the session knows
 * its flows it gets up to two data connections (flow ids 0 and 1), so a stream or rr test
 * of one or two connections runs. The input's end is the client going away, which every
 * step must survive. Afterwards everything the agent sent must be whole, valid frames, and
 * its last word RESULTS or ERROR (or ROUTER_ANSWER, for a router request: TCPLAB_ROUTER_DIR
 * points where no router is, so no input ever reaches a real one).
 *
 * The agent's internals (ctl/agent_internal.h) are used here, not in src/ctl/, so the
 * library carries no code for the fuzzer; tl_session_main is the entry point the agent
 * uses itself.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/agent.h"
#include "ctl/agent_internal.h"
#include "ctl/frame.h"
#include "ctl/proto.h"
#include "fuzz_util.h"
#include "net/sock.h"
#include "util/clock.h"

#define SESSION_FUZZ_DATA_FLOWS 2
/* The longest the client waits for one answer of the agent (a real one waits 10 s). */
#define SESSION_FUZZ_WAIT_MS 2000
/* More than any session of this agent (64 flows, 2 s) can send. */
#define SESSION_FUZZ_MAX_ANSWER (8u << 20)
/* Socket buffers that hold a whole input and every answer, so nothing waits on the other end. */
#define SESSION_FUZZ_SOCKBUF (1 << 20)

static struct tl_agent *agent;
static uint32_t largest_msg;
static int verbose; /* FUZZ_SESSION_VERBOSE=1: print what the agent answered */

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	FUZZ_CHECK(strlen(line) < 4096);
}

/* Every frame the agent sent parses; returns the type of the last one (0: none). */
static uint16_t check_answers(const uint8_t *buf, size_t len)
{
	size_t off = 0;
	uint16_t last = 0;
	while (len - off >= TL_FRAME_HDR_LEN) {
		struct tl_frame_hdr h;
		struct tl_err err = { 0 };
		if (tl_frame_hdr_decode(buf + off, largest_msg, &h, &err) < 0) {
			fprintf(stderr, "fuzz_session: the agent sent a bad header: %s\n", err.msg);
			abort();
		}
		FUZZ_CHECK(len - off - TL_FRAME_HDR_LEN >= h.len); /* never a cut frame */
		json_t *body = NULL;
		if (tl_msg_parse(h.type, (const char *)buf + off + TL_FRAME_HDR_LEN, h.len, &body, &err) < 0) {
			fprintf(stderr, "fuzz_session: the agent sent a bad %s: %s\n", tl_msg_name(h.type),
				err.msg);
			abort();
		}
		if (verbose)
			fprintf(stderr, "fuzz_session: agent sent %s %.*s\n", tl_msg_name(h.type),
				(int)(h.len < 300 ? h.len : 300), (const char *)buf + off + TL_FRAME_HDR_LEN);
		json_decref(body);
		last = h.type;
		off += TL_FRAME_HDR_LEN + h.len;
	}
	FUZZ_CHECK(off == len);
	return last;
}

static void set_bufs(int fd)
{
	int b = SESSION_FUZZ_SOCKBUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &b, sizeof(b));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &b, sizeof(b));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct tl_agent_config cfg;
	struct tl_err err = { 0 };
	json_object_seed(0x544c4142);
	/* ROUTER requests find no router, whatever runs on this host */
	setenv("TCPLAB_ROUTER_DIR", "/nonexistent/tcplab-fuzz-session", 1);
	verbose = getenv("FUZZ_SESSION_VERBOSE") != NULL;
	for (uint16_t t = 0; t < TL_MSG_TYPE_COUNT; t++)
		if (tl_msg_max_len(t) > largest_msg)
			largest_msg = tl_msg_max_len(t);
	tl_agent_config_defaults(&cfg);
	cfg.bind = "127.0.0.1";
	cfg.port = 0;
	cfg.max_tests = 1;
	cfg.max_flows = 64;
	cfg.max_threads = 2;
	cfg.max_duration_ns = 2 * TL_NSEC_PER_SEC;
	cfg.handshake_timeout_ns = TL_NSEC_PER_SEC;
	cfg.log = log_line;
	agent = tl_agent_new(&cfg, &err);
	if (!agent) {
		fprintf(stderr, "fuzz_session: cannot make an agent: %s\n", err.msg);
		abort();
	}
	return 0;
}

/* The client's end of one session: the agent's answers so far, and the session's state. */
struct client {
	int fd;
	struct tl_session *s;
	uint8_t *ans;
	size_t len, cap;
	unsigned seen;        /* bit per message type the agent sent */
	uint32_t routed;      /* data connections handed to the session */
	int flows[SESSION_FUZZ_DATA_FLOWS][2];
};

/* Takes what the agent sent (the socket is readable); 0 once it closed. */
static int client_take(struct client *c)
{
	uint8_t chunk[16384];
	ssize_t r = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
	if (r <= 0)
		return r < 0 && errno == EAGAIN;
	FUZZ_CHECK(c->len + (size_t)r <= SESSION_FUZZ_MAX_ANSWER);
	if (c->len + (size_t)r > c->cap) {
		c->cap = (c->len + (size_t)r) * 2;
		c->ans = realloc(c->ans, c->cap);
		FUZZ_CHECK(c->ans != NULL);
	}
	memcpy(c->ans + c->len, chunk, (size_t)r);
	c->len += (size_t)r;
	c->seen = 0;
	for (size_t off = 0; c->len - off >= TL_FRAME_HDR_LEN;) {
		uint16_t type = (uint16_t)(c->ans[off + 6] << 8 | c->ans[off + 7]);
		uint32_t len = (uint32_t)c->ans[off + 8] << 24 | (uint32_t)c->ans[off + 9] << 16 |
			       (uint32_t)c->ans[off + 10] << 8 | c->ans[off + 11];
		if (c->len - off - TL_FRAME_HDR_LEN < len)
			break;
		c->seen |= 1u << (type & 31);
		off += TL_FRAME_HDR_LEN + len;
	}
	return 1;
}

/* Reads what the agent sent within timeout_ms; 0 once it closed or its session ended. */
static int client_read(struct client *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) <= 0)
		return !__atomic_load_n(&c->s->finished, __ATOMIC_ACQUIRE);
	return client_take(c);
}

/*
 * After the session ended, everything it sent up to its FIN: on a busy machine loopback
 * may deliver the last bytes after the session has already returned.
 */
static void client_drain(struct client *c)
{
	for (int i = 0; i < SESSION_FUZZ_WAIT_MS / 10; i++) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, 10) > 0 && !client_take(c))
			return;
	}
	FUZZ_CHECK(!"the control connection ends when the session does");
}

/* Plays the accept loop: once the session knows its flows, hands it up to two of ours. */
static void client_route(struct client *c)
{
	struct tl_session *s = c->s;
	if (c->routed)
		return;
	pthread_mutex_lock(&s->lock);
	uint32_t want = s->expected_flows;
	if (want) {
		uint32_t n = want < SESSION_FUZZ_DATA_FLOWS ? want : SESSION_FUZZ_DATA_FLOWS;
		s->queue = calloc(n, sizeof(*s->queue));
		FUZZ_CHECK(s->queue != NULL);
		for (uint32_t i = 0; i < n; i++) {
			FUZZ_CHECK(fuzz_tcp_pair(c->flows[i]) == 0);
			s->queue[i] = (struct pending_data){ .fd = c->flows[i][1], .flow_id = i };
		}
		s->queued = s->queue_cap = n;
		c->routed = n;
	}
	pthread_mutex_unlock(&s->lock);
	if (c->routed) {
		uint64_t one = 1;
		FUZZ_CHECK(write(s->wakefd, &one, sizeof(one)) == sizeof(one));
	}
}

/* Reads and routes until the agent sent one of the types in mask, or gave up. */
static void client_wait(struct client *c, unsigned mask)
{
	for (int i = 0; i < SESSION_FUZZ_WAIT_MS / 5; i++) {
		client_route(c);
		if ((c->seen & mask) || !client_read(c, 5))
			return;
		/* More flows than we hand over: the client would not get READY either. */
		if ((mask & 1u << TL_MSG_READY) && c->s->expected_flows > SESSION_FUZZ_DATA_FLOWS)
			return;
	}
}

/* Length of the frame at data (all that is left when it is not one). */
static size_t frame_len(const uint8_t *data, size_t size, uint16_t *type)
{
	*type = 0;
	if (size < TL_FRAME_HDR_LEN || memcmp(data, "TLAB", 4) != 0)
		return size;
	*type = (uint16_t)(data[6] << 8 | data[7]);
	uint64_t len = TL_FRAME_HDR_LEN + ((uint64_t)data[8] << 24 | (uint64_t)data[9] << 16 |
					   (uint64_t)data[10] << 8 | data[11]);
	return len < size ? (size_t)len : size;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return; /* the agent closed: the rest is not read */
		p += w;
		n -= (size_t)w;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client c = { 0 };
	int ctl[2];
	FUZZ_CHECK(fuzz_tcp_pair(ctl) == 0);
	set_bufs(ctl[0]);
	set_bufs(ctl[1]);
	c.fd = ctl[0];

	struct tl_session *s = calloc(1, sizeof(*s));
	FUZZ_CHECK(s != NULL);
	c.s = s;
	s->agent = agent;
	s->ctl_fd = ctl[1];
	s->id = 1;
	s->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	FUZZ_CHECK(s->wakefd >= 0);
	pthread_mutex_init(&s->lock, NULL);
	FUZZ_CHECK(pthread_create(&s->thread, NULL, tl_session_main, s) == 0);

	/* The client: frame by frame, waiting where a real one waits for the agent. */
	uint16_t prev = 0;
	for (size_t off = 0; off < size;) {
		uint16_t type;
		size_t n = frame_len(data + off, size - off, &type);
		if (type == TL_MSG_START && (c.seen & 1u << TL_MSG_ACCEPT))
			client_wait(&c, 1u << TL_MSG_READY | 1u << TL_MSG_ERROR);
		else if (prev == TL_MSG_TEST)
			client_wait(&c, 1u << TL_MSG_ACCEPT | 1u << TL_MSG_ERROR);
		send_all(ctl[0], data + off, n);
		prev = type;
		off += n;
	}
	shutdown(ctl[0], SHUT_WR); /* the client goes away */
	while (client_read(&c, 50))
		client_route(&c);
	pthread_join(s->thread, NULL);
	client_drain(&c);

	/* What the agent's reaper does with a finished session. */
	FUZZ_CHECK(__atomic_load_n(&s->finished, __ATOMIC_ACQUIRE) == 1);
	for (size_t i = 0; i < s->queued; i++)
		tl_sock_close_abort(s->queue[i].fd);
	free(s->queue);
	close(s->wakefd);
	close(s->ctl_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);

	uint16_t last = check_answers(c.ans, c.len);
	/* However the session ended, the agent's last word is RESULTS or ERROR (ROUTER_ANSWER
	 * after a router request). */
	FUZZ_CHECK(last == TL_MSG_ERROR || last == TL_MSG_RESULTS || last == TL_MSG_ROUTER_ANSWER);
	free(c.ans);
	close(ctl[0]);
	for (uint32_t i = 0; i < c.routed; i++)
		close(c.flows[i][0]); /* the session closed its ends */
	return 0;
}
