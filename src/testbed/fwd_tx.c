/*
 * The ports' transmit threads (fwd_tx.h says what and why).
 *
 * Why: at 100 flows through 1 Gbit/s, 78% of the single forwarder thread's samples were in
 * sendmmsg(), 64 points of them the hosts' TCP stacks run as softirq work after the frame
 * reached the veth (bench/results/testbed.md, run 18): the one thread that keeps the
 * emulated links' time carried both hosts' stacks and was late in every period.
 *
 * Order: each port has one thread and one ring, filled in the order the packets are due, so
 * a port's packets leave in the order the links let them go, as they did when one thread
 * sent them all. A packet's lateness is taken just before its sendmmsg(), where it leaves.
 */
#include "testbed/fwd_tx.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testbed/fwd_stats.h"
#include "util/clock.h"

/*
 * How long a thread whose ring ran empty polls it before it sleeps on its futex: a wake-up
 * from another vCPU costs tens of microseconds in a VM, more than the gap between two
 * departures at 1 Gbit/s (12 us). A thread that does sleep leaves its port to the holder
 * (tx_idle) until the holder finds it awake again.
 */
#define TX_SPIN_NS (20 * 1000ull)

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void futex_wait(_Atomic uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

/* The ring ran empty: poll it a little, then sleep until the holder hands more. */
static void tx_wait(struct fwd_tx *t)
{
	uint64_t until = tl_now_ns() + TX_SPIN_NS;
	while (tl_testbed_ring_empty(&t->out) && !atomic_load(&t->quit)) {
		if (tl_now_ns() >= until)
			break;
	}
	if (!tl_testbed_ring_empty(&t->out) || atomic_load(&t->quit))
		return;
	atomic_store(&t->asleep, 1);
	/* Against tl_testbed_fwd_tx_send: it publishes, then looks at asleep; we the reverse. */
	atomic_thread_fence(memory_order_seq_cst);
	if (tl_testbed_ring_empty(&t->out) && !atomic_load(&t->quit))
		futex_wait(&t->asleep, 1);
	atomic_store(&t->asleep, 0);
}

/* Sends a batch, publishes its lateness and counters, and hands the descriptors back. */
static void tx_batch(struct fwd_tx *t, void *const *items, unsigned n)
{
	uint8_t *frames[TL_TESTBED_BATCH];
	uint32_t lens[TL_TESTBED_BATCH];
	uint64_t late[TL_TESTBED_BATCH];
	unsigned nlate = 0;
	uint64_t now = tl_now_ns();
	for (unsigned i = 0; i < n; i++) {
		const struct tl_pkt *p = items[i];
		frames[i] = tl_testbed_pool_buf(&t->f->pool, p);
		lens[i] = p->len;
		/* Frames outside the links (ARP, flood copies) have no due time (ready_ns 0). */
		if (p->ready_ns)
			late[nlate++] = now > p->ready_ns ? now - p->ready_ns : 0;
	}
	tl_testbed_port_send(&t->port, frames, lens, n);
	pthread_mutex_lock(&t->lock);
	for (unsigned i = 0; i < nlate; i++)
		tl_lhist_record(t->late, late[i]);
	t->tx_pkts = t->port.tx_pkts;
	t->tx_bytes = t->port.tx_bytes;
	t->tx_errors = t->port.tx_errors;
	t->tx_last_errno = t->port.tx_last_errno;
	pthread_mutex_unlock(&t->lock);
	/* `done` holds the whole pool, so it is never full; the loop is a safety net. */
	for (unsigned i = 0; i < n; i++)
		while (!tl_testbed_ring_push(&t->done, items[i]) && !atomic_load(&t->quit))
			sched_yield();
}

static void *tx_main(void *arg)
{
	struct fwd_tx *t = arg;
	char name[16];
	snprintf(name, sizeof(name), "tl-tx%u", t->index);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	while (!atomic_load(&t->quit)) {
		void *items[TL_TESTBED_BATCH];
		unsigned n = tl_testbed_ring_pop(&t->out, items, TL_TESTBED_BATCH);
		if (n == 0)
			tx_wait(t);
		else
			tx_batch(t, items, n);
	}
	return NULL;
}

static int tx_init(struct tl_testbed_fwd *f, unsigned i, struct tl_err *err)
{
	struct fwd_tx *t = &f->tx[i];
	int ret;
	t->f = f;
	t->index = i;
	t->port = f->ports[i];
	t->port.tx_pkts = t->port.tx_bytes = t->port.tx_errors = 0;
	t->port.tx_last_errno = 0;
	t->late = malloc(sizeof(*t->late));
	if (!t->late)
		return tl_err_set(err, ENOMEM, "out of memory");
	tl_lhist_reset(t->late);
	pthread_mutex_init(&t->lock, NULL);
	/* Room for every descriptor of the pool: a push never finds either ring full. */
	if ((ret = tl_testbed_ring_init(&t->out, f->pool.size, err)) < 0 ||
	    (ret = tl_testbed_ring_init(&t->done, f->pool.size, err)) < 0)
		return ret;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	/* Wherever the scheduler finds room, --isolate's pinning of the main loop aside. */
	pthread_attr_setaffinity_np(&attr, sizeof(f->standby.allowed), &f->standby.allowed);
	int rc = pthread_create(&t->thread, &attr, tx_main, t);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		return tl_err_set(err, rc, "pthread_create: %s", strerror(rc));
	t->started = t->ran = true;
	return 0;
}

void tl_testbed_fwd_tx_start(struct tl_testbed_fwd *f)
{
	struct tl_err err = { 0 };
	/* On one CPU a thread more is only a context switch more. */
	if (CPU_COUNT(&f->standby.allowed) < 2) {
		snprintf(f->tx_note, sizeof(f->tx_note), "not running: one CPU");
		return;
	}
	for (unsigned i = 0; i < f->nports; i++) {
		if (tx_init(f, i, &err) < 0) {
			snprintf(f->tx_note, sizeof(f->tx_note), "not running: port %s: %s",
				 f->ports[i].name, err.msg);
			tl_testbed_fwd_tx_stop(f);
			return;
		}
	}
	f->tx_threads = true;
}

static void tx_return_all(struct tl_testbed_fwd *f, struct tl_testbed_ring *r)
{
	void *items[TL_TESTBED_BATCH];
	unsigned n;
	while ((n = tl_testbed_ring_pop(r, items, TL_TESTBED_BATCH)) > 0)
		for (unsigned i = 0; i < n; i++)
			tl_testbed_pool_put(&f->pool, items[i]);
}

void tl_testbed_fwd_tx_stop(struct tl_testbed_fwd *f)
{
	for (unsigned i = 0; i < f->nports; i++) {
		struct fwd_tx *t = &f->tx[i];
		if (!t->started)
			continue;
		atomic_store(&t->quit, true);
		futex_wake(&t->asleep);
		pthread_join(t->thread, NULL);
		t->started = false;
	}
	/* Collected before the threads' state goes: the last counters and lateness count. */
	tl_testbed_fwd_tx_collect(f);
	f->tx_threads = false;
	for (unsigned i = 0; i < f->nports; i++) {
		if (f->tx[i].done.slots)
			tx_return_all(f, &f->tx[i].done);
		if (f->tx[i].out.slots)
			tx_return_all(f, &f->tx[i].out);
	}
}

/* The holder sends itself, as the single-threaded forwarder did (no threads, or idle). */
static void tx_inline(struct tl_testbed_fwd *f, unsigned port)
{
	unsigned n = f->ntx[port];
	uint8_t *frames[TL_TESTBED_BATCH];
	uint32_t lens[TL_TESTBED_BATCH];
	uint64_t now = tl_now_ns();
	for (unsigned i = 0; i < n; i++) {
		const struct tl_pkt *p = f->txq[port][i];
		frames[i] = tl_testbed_pool_buf(&f->pool, p);
		lens[i] = p->len;
		if (p->ready_ns)
			tl_lhist_record(f->late_period, now > p->ready_ns ? now - p->ready_ns : 0);
	}
	tl_testbed_port_send(&f->ports[port], frames, lens, n);
	for (unsigned i = 0; i < n; i++)
		tl_testbed_pool_put(&f->pool, f->txq[port][i]);
}

/*
 * A port that sent nothing for this long is lightly loaded: the holder sends to it itself if
 * its thread sleeps. A busier port's packets go to its thread, woken if need be (at 1 Gbit/s
 * a full-size frame leaves every 12 us).
 */
#define TX_QUIET_NS (100 * 1000ull)

/*
 * A thread asleep has nothing in hand and nothing in its ring, and only the holder fills the
 * ring: the holder may send itself without overtaking anything. So a light load (pings, a
 * request now and then, where the thread sleeps between packets) costs no wake-up on another
 * vCPU (tens of microseconds in a VM), and only a busy port's thread takes the stacks' work.
 */
static bool tx_idle(struct fwd_tx *t, uint64_t now)
{
	bool quiet = now - t->last_handed_ns > TX_QUIET_NS;
	t->last_handed_ns = now;
	return quiet && atomic_load(&t->asleep) && tl_testbed_ring_empty(&t->out);
}

void tl_testbed_fwd_tx_send(struct tl_testbed_fwd *f, unsigned port)
{
	if (f->ntx[port] == 0)
		return;
	struct fwd_tx *t = &f->tx[port];
	if (!f->tx_threads || tx_idle(t, f->now_ns)) {
		tx_inline(f, port);
		f->ntx[port] = 0;
		return;
	}
	/* `out` holds the whole pool, so it is never full; the loop is a safety net. */
	for (unsigned i = 0; i < f->ntx[port]; i++)
		while (!tl_testbed_ring_push(&t->out, f->txq[port][i]))
			sched_yield();
	f->ntx[port] = 0;
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&t->asleep, memory_order_relaxed) &&
	    atomic_exchange(&t->asleep, 0))
		futex_wake(&t->asleep);
}

void tl_testbed_fwd_tx_reap(struct tl_testbed_fwd *f)
{
	if (!f->tx_threads)
		return;
	for (unsigned i = 0; i < f->nports; i++)
		tx_return_all(f, &f->tx[i].done);
}

void tl_testbed_fwd_tx_collect(struct tl_testbed_fwd *f)
{
	for (unsigned i = 0; i < f->nports; i++) {
		struct fwd_tx *t = &f->tx[i];
		if (!t->ran)
			continue;
		struct tl_testbed_port *p = &f->ports[i];
		pthread_mutex_lock(&t->lock);
		tl_testbed_fwd_lhist_merge(f->late_period, t->late);
		tl_lhist_reset(t->late);
		/* The holder's own sends are counted in p already: the thread's are added. */
		p->tx_pkts += t->tx_pkts - t->seen.tx_pkts;
		p->tx_bytes += t->tx_bytes - t->seen.tx_bytes;
		if (t->tx_errors != t->seen.tx_errors)
			p->tx_last_errno = t->tx_last_errno;
		p->tx_errors += t->tx_errors - t->seen.tx_errors;
		t->seen.tx_pkts = t->tx_pkts;
		t->seen.tx_bytes = t->tx_bytes;
		t->seen.tx_errors = t->tx_errors;
		pthread_mutex_unlock(&t->lock);
	}
}

void tl_testbed_fwd_tx_free(struct tl_testbed_fwd *f)
{
	for (unsigned i = 0; i < TL_TESTBED_HOSTS_MAX; i++) {
		struct fwd_tx *t = &f->tx[i];
		if (!t->late)
			continue;
		tl_testbed_ring_free(&t->out);
		tl_testbed_ring_free(&t->done);
		pthread_mutex_destroy(&t->lock);
		free(t->late);
		t->late = NULL;
	}
}
