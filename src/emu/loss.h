#ifndef TCPLAB_EMU_LOSS_H
#define TCPLAB_EMU_LOSS_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/rng.h"
#include "util/err.h"

/*
 * Random loss on a link, seedable so a run repeats exactly.
 *
 * Bernoulli: each packet is lost with probability p, independently.
 * Gilbert-Elliott: a two-state Markov chain stepped once per packet. The packet is lost with
 * loss_good (netem's 1-k) in the good state and loss_bad (netem's 1-h) in the bad state, then
 * the chain moves good->bad with probability p and bad->good with probability r. The
 * stationary share of the bad state is p / (p + r), so the mean loss rate is
 * (r loss_good + p loss_bad) / (p + r); the mean burst of bad-state packets is 1 / r.
 */

enum tl_loss_kind { TL_LOSS_NONE, TL_LOSS_BERNOULLI, TL_LOSS_GE };

struct tl_loss_spec {
	enum tl_loss_kind kind;
	double p;         /* Bernoulli: loss probability; GE: P(good -> bad) */
	double r;         /* GE: P(bad -> good) */
	double loss_good; /* GE: loss probability in the good state (default 0) */
	double loss_bad;  /* GE: loss probability in the bad state (default 1) */
};

struct tl_loss {
	struct tl_loss_spec spec;
	struct tl_rng rng;
	bool bad;
};

/* Starts in the good state with a generator seeded from seed. */
void tl_loss_init(struct tl_loss *l, const struct tl_loss_spec *spec, uint64_t seed);

/* New parameters, keeping the generator and the chain's state. */
void tl_loss_set(struct tl_loss *l, const struct tl_loss_spec *spec);

/* Whether the next packet is lost. */
bool tl_loss_next(struct tl_loss *l);

/* The long-run loss rate of spec (the stationary mean for Gilbert-Elliott). */
double tl_loss_mean(const struct tl_loss_spec *spec);

/*
 * Parses a --loss value: "0" (none), "1%" or "0.01" (Bernoulli), or
 * "ge:p=1%,r=30%[,bad=100%][,good=0%]" (Gilbert-Elliott).
 */
int tl_loss_parse(const char *what, const char *s, struct tl_loss_spec *out, struct tl_err *err);

#endif
