#include "emu/loss.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu/qspec.h"

void tl_loss_init(struct tl_loss *l, const struct tl_loss_spec *spec, uint64_t seed)
{
	l->spec = *spec;
	l->bad = false;
	tl_rng_seed(&l->rng, seed, 0x6c6f7373 /* "loss" */);
}

void tl_loss_set(struct tl_loss *l, const struct tl_loss_spec *spec)
{
	l->spec = *spec;
	if (spec->kind != TL_LOSS_GE)
		l->bad = false;
}

bool tl_loss_next(struct tl_loss *l)
{
	switch (l->spec.kind) {
	case TL_LOSS_BERNOULLI:
		return l->spec.p > 0 && tl_rng_double(&l->rng) < l->spec.p;
	case TL_LOSS_GE: {
		double pl = l->bad ? l->spec.loss_bad : l->spec.loss_good;
		/* Two draws per packet in every state, so the sequence depends only on the seed. */
		bool lost = tl_rng_double(&l->rng) < pl;
		double u = tl_rng_double(&l->rng);
		l->bad = l->bad ? !(u < l->spec.r) : u < l->spec.p;
		return lost;
	}
	case TL_LOSS_NONE:
	default:
		return false;
	}
}

double tl_loss_mean(const struct tl_loss_spec *spec)
{
	switch (spec->kind) {
	case TL_LOSS_BERNOULLI:
		return spec->p;
	case TL_LOSS_GE:
		if (spec->p + spec->r <= 0)
			return spec->loss_good; /* the chain never leaves the good state */
		return (spec->r * spec->loss_good + spec->p * spec->loss_bad) / (spec->p + spec->r);
	case TL_LOSS_NONE:
	default:
		return 0;
	}
}

static int parse_ge(const char *what, const char *s, char *params, struct tl_loss_spec *out,
		    struct tl_err *err)
{
	struct tl_loss_spec g = { .kind = TL_LOSS_GE, .loss_good = 0, .loss_bad = 1 };
	bool have_p = false, have_r = false;
	char *save = NULL;
	for (char *tok = strtok_r(params, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		double *dst = NULL;
		if (eq)
			*eq = '\0';
		if (strcmp(tok, "p") == 0)
			dst = &g.p, have_p = true;
		else if (strcmp(tok, "r") == 0)
			dst = &g.r, have_r = true;
		else if (strcmp(tok, "bad") == 0)
			dst = &g.loss_bad;
		else if (strcmp(tok, "good") == 0)
			dst = &g.loss_good;
		if (!dst || !eq) {
			tl_err_set(err, EINVAL, "%s \"%s\": %s \"%s\" (known: p, r, bad, good, each "
				   "key=probability)", what, s, dst ? "no value for" : "unknown key",
				   tok);
			return -EINVAL;
		}
		int ret = tl_qspec_parse_real(tok, eq + 1, true, 0, 1, dst, err);
		if (ret < 0) {
			tl_err_prefix(err, "%s \"%s\"", what, s);
			return ret;
		}
	}
	if (!have_p || !have_r)
		return tl_err_set(err, EINVAL, "%s \"%s\": Gilbert-Elliott needs p (good->bad) and r "
				  "(bad->good), e.g. ge:p=1%%,r=30%%", what, s);
	*out = g;
	return 0;
}

int tl_loss_parse(const char *what, const char *s, struct tl_loss_spec *out, struct tl_err *err)
{
	if (!s)
		return tl_err_set(err, EINVAL, "%s: missing value (write 1%%, 0.01 or ge:p=1%%,r=30%%)",
				  what);
	if (strncmp(s, "ge:", 3) == 0) {
		char *copy = strdup(s + 3);
		if (!copy)
			return tl_err_set(err, ENOMEM, "%s: out of memory", what);
		int ret = parse_ge(what, s, copy, out, err);
		free(copy);
		return ret;
	}
	double p;
	int ret = tl_qspec_parse_real(what, s, true, 0, 1, &p, err);
	if (ret == -ERANGE)
		return ret;
	if (ret < 0)
		return tl_err_set(err, EINVAL, "%s \"%s\": not a loss rate (write 1%%, 0.01, or "
				  "ge:p=1%%,r=30%% for Gilbert-Elliott bursts)", what, s);
	*out = (struct tl_loss_spec){ .kind = p > 0 ? TL_LOSS_BERNOULLI : TL_LOSS_NONE, .p = p };
	return 0;
}
