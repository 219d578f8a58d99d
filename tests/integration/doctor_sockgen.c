/*
 * Socket states on demand for the doctor's integration tests, on 127.0.0.1 of whatever
 * network namespace it runs in:
 *
 *   doctor_sockgen tw N
 *       N connections that the client closes first, so N client sockets end in TIME_WAIT
 *       (they outlive this process by 60 s). Prints "port P" and exits.
 *   doctor_sockgen hold BACKLOG CONNS RCVBUF
 *       A listener with listen(BACKLOG) and CONNS connections to it that are never accepted
 *       (they fill the accept queue), plus one accepted connection whose client set
 *       SO_RCVBUF=RCVBUF before connect() (0: none). Prints "ready P" and waits to be
 *       killed, at most 60 s, so it can never outlive its test for long.
 *
 * Exit status 0, or 1 with a message naming the failed call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "doctor_sockgen: %s: %s\n", what, strerror(errno));
	return 1;
}

static long number(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "doctor_sockgen: \"%s\": want a number 0..%ld\n", s, max);
		exit(2);
	}
	return v;
}

static int listener(int backlog, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, len) < 0 || listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0)
		return -1;
	return fd;
}

/* Connects without blocking for long: a full accept queue leaves connects pending. */
static int client(const struct sockaddr_in *addr, int rcvbuf, int wait)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		return -1;
	if (!wait)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0 && errno != EINPROGRESS)
		return -1;
	return fd;
}

static int make_tw(long n)
{
	struct sockaddr_in addr;
	int lfd = listener(128, &addr);
	if (lfd < 0)
		return die("listen on 127.0.0.1");
	for (long i = 0; i < n; i++) {
		int c = client(&addr, 0, 1);
		if (c < 0)
			return die("connect");
		int s = accept(lfd, NULL, NULL);
		if (s < 0)
			return die("accept");
		close(c);  /* the client closes first: it is the one left in TIME_WAIT */
		char b;
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (poll(&p, 1, 2000) != 1 || read(s, &b, 1) != 0)
			return die("waiting for the client's FIN");
		close(s);
	}
	/* Let the last FIN/ACK exchanges finish before the listener goes. */
	usleep(100000);
	printf("port %u\n", ntohs(addr.sin_port));
	close(lfd);
	return 0;
}

static int hold(long backlog, long conns, long rcvbuf)
{
	struct sockaddr_in addr;
	int lfd = listener((int)backlog, &addr);
	if (lfd < 0)
		return die("listen on 127.0.0.1");
	int small = -1, served = -1;
	if (rcvbuf > 0) {
		small = client(&addr, (int)rcvbuf, 1);
		if (small < 0)
			return die("connect with SO_RCVBUF");
		served = accept(lfd, NULL, NULL);
		if (served < 0)
			return die("accept");
	}
	for (long i = 0; i < conns; i++)
		if (client(&addr, 0, 0) < 0)
			return die("connect");
	usleep(200000);
	printf("ready %u\n", ntohs(addr.sin_port));
	fflush(stdout);
	/* The test kills it by PID; the bound only guards against a test that forgot to. */
	for (int waited = 0; waited < 60; waited++)
		sleep(1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "tw") == 0)
		return make_tw(number(argv[2], 20000));
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return hold(number(argv[2], 65535), number(argv[3], 1000), number(argv[4], 1 << 26));
	fprintf(stderr, "usage: doctor_sockgen tw N | hold BACKLOG CONNS RCVBUF\n");
	return 2;
}
