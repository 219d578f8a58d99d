#ifndef TCPLAB_EMU_PKTQ_H
#define TCPLAB_EMU_PKTQ_H

#include <stddef.h>
#include <stdint.h>

#include "emu/pkt.h"

/*
 * A FIFO of packet descriptors linked through their own next/prev pointers: O(1) at both
 * ends, no allocation, no capacity. Every queue in emu is one of these.
 */
struct tl_pktq {
	struct tl_pkt *head;
	struct tl_pkt *tail;
	uint32_t pkts;
	uint64_t bytes; /* sum of len */
};

static inline void tl_pktq_push(struct tl_pktq *q, struct tl_pkt *p)
{
	p->next = NULL;
	p->prev = q->tail;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->pkts++;
	q->bytes += p->len;
}

static inline struct tl_pkt *tl_pktq_pop(struct tl_pktq *q)
{
	struct tl_pkt *p = q->head;
	if (!p)
		return NULL;
	q->head = p->next;
	if (q->head)
		q->head->prev = NULL;
	else
		q->tail = NULL;
	p->next = p->prev = NULL;
	q->pkts--;
	q->bytes -= p->len;
	return p;
}

/* Takes p out from wherever it is in q. */
static inline void tl_pktq_unlink(struct tl_pktq *q, struct tl_pkt *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		q->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		q->tail = p->prev;
	p->next = p->prev = NULL;
	q->pkts--;
	q->bytes -= p->len;
}

/* Inserts p right after pos (pos NULL: at the head). */
static inline void tl_pktq_insert_after(struct tl_pktq *q, struct tl_pkt *pos, struct tl_pkt *p)
{
	if (!pos) {
		p->prev = NULL;
		p->next = q->head;
		if (q->head)
			q->head->prev = p;
		else
			q->tail = p;
		q->head = p;
	} else {
		p->prev = pos;
		p->next = pos->next;
		if (pos->next)
			pos->next->prev = p;
		else
			q->tail = p;
		pos->next = p;
	}
	q->pkts++;
	q->bytes += p->len;
}

#endif
