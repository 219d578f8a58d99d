/*
 * crr_ref: the plain reference loop tcplab crr --linger0 is measured against (bench/crr.sh).
 * FLOWS connections in flight in all, spread over the client threads as tcplab -P spreads
 * flows over -T workers; each thread keeps its share in flight on its own epoll loop: nonblocking
 * connect, a 1-byte request, a 1-byte response, close with SO_LINGER 0 (an RST, no
 * TIME_WAIT), connect again. Each server thread has its own SO_REUSEPORT listener and loop:
 * accept, read the byte, answer, close when the client's RST or FIN arrives. No options
 * beyond what the workload needs, no histograms, no timers: the ceiling of the loop itself.
 *
 *   crr_ref server PORT THREADS            (runs until killed)
 *   crr_ref client PORT THREADS FLOWS SECS (prints: connections/s)
 * Loopback only (127.0.0.1).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int port, flows, threads, secs;
static int next_thread; /* atomic: which share a client thread takes */
static long long total; /* summed under the join */

static struct sockaddr_in addr(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static void *server(void *arg)
{
	(void)arg;
	int one = 1, ep = epoll_create1(0), lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = addr();
	setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4096) < 0) {
		perror("server bind/listen");
		exit(1);
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, evs[256];
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char b;
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				}
			} else if (read(fd, &b, 1) == 1) {
				if (write(fd, &b, 1) != 1)
					close(fd);
			} else if (errno != EAGAIN) {
				close(fd); /* EOF or the client's RST */
			}
		}
	}
	return NULL;
}

/* Opens one connection, registered for EPOLLOUT (connected) on ep. */
static void start(int ep)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct linger lg = { 1, 0 };
	struct sockaddr_in a = addr();
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
		perror("connect");
		exit(1);
	}
	struct epoll_event ev = { .events = EPOLLOUT, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *client(void *arg)
{
	(void)arg;
	long long done = 0;
	int ep = epoll_create1(0);
	struct epoll_event evs[256];
	int id = __atomic_fetch_add(&next_thread, 1, __ATOMIC_RELAXED);
	int share = flows / threads + (id < flows % threads);
	for (int i = 0; i < share; i++)
		start(ep);
	double end = now_s() + secs;
	while (now_s() < end) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char b = 'x';
			if (evs[i].events & EPOLLOUT) { /* connected: the request, then wait for the answer */
				struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
				if (write(fd, &b, 1) == 1 && epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) == 0)
					continue;
			} else if (read(fd, &b, 1) == 1) {
				done++;
			}
			close(fd); /* SO_LINGER 0: an RST; the epoll registration goes with the fd */
			start(ep);
		}
	}
	__atomic_add_fetch(&total, done, __ATOMIC_RELAXED);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "client") == 0 && argc < 6)) {
		fprintf(stderr, "usage: crr_ref server PORT THREADS | crr_ref client PORT THREADS FLOWS SECS\n");
		return 2;
	}
	int is_client = strcmp(argv[1], "client") == 0;
	threads = atoi(argv[3]);
	port = atoi(argv[2]);
	if (is_client) {
		flows = atoi(argv[4]);
		secs = atoi(argv[5]);
	}
	pthread_t t[64];
	if (threads < 1 || threads > 64)
		return 2;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, is_client ? client : server, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("%.0f\n", (double)total / secs);
	return 0;
}
