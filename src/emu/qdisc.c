#include "emu/qdisc.h"

#include <errno.h>
#include <stdlib.h>

static const struct tl_qdisc_ops *const ops_by_kind[TL_QDISC_KINDS] = {
	[TL_QDISC_TAILDROP] = &tl_taildrop_ops,
	[TL_QDISC_RED] = &tl_red_ops,
	[TL_QDISC_CODEL] = &tl_codel_ops,
	[TL_QDISC_PIE] = &tl_pie_ops,
	[TL_QDISC_FQ_CODEL] = &tl_fq_codel_ops,
	[TL_QDISC_GSP] = &tl_gsp_ops,
	[TL_QDISC_PPV] = &tl_ppv_ops,
	[TL_QDISC_DUALPI2] = &tl_dualpi2_ops,
};

int tl_qdisc_create(const struct tl_qspec *spec, tl_drop_fn drop_fn, void *drop_ctx,
		    struct tl_qdisc **out, struct tl_err *err)
{
	int ret = tl_qspec_validate(spec, err);
	struct tl_qdisc *q = NULL;
	*out = NULL;
	if (ret < 0)
		goto out;
	if (!drop_fn) {
		ret = tl_err_set(err, EINVAL, "qdisc %s: no drop callback (the caller must take "
				 "dropped packets back)", tl_qkind_name(spec->kind));
		goto out;
	}
	const struct tl_qdisc_ops *ops = ops_by_kind[spec->kind];
	q = calloc(1, sizeof(*q));
	if (!q || (ops->priv_size && !(q->priv = calloc(1, ops->priv_size)))) {
		ret = tl_err_set(err, ENOMEM, "qdisc %s: out of memory", tl_qkind_name(spec->kind));
		goto out;
	}
	q->ops = ops;
	q->spec = *spec;
	q->drop_fn = drop_fn;
	q->drop_ctx = drop_ctx;
	ret = ops->init(q, err);
	if (ret < 0) {
		tl_err_prefix(err, "qdisc %s", tl_qkind_name(spec->kind));
		goto out;
	}
	*out = q;
	q = NULL;
	ret = 0;
out:
	if (q) {
		free(q->priv);
		free(q);
	}
	return ret;
}

void tl_qdisc_destroy(struct tl_qdisc *q, uint64_t now_ns)
{
	if (!q)
		return;
	q->ops->reset(q, now_ns);
	q->ops->destroy(q);
	free(q->priv);
	free(q);
}

int tl_qdisc_change(struct tl_qdisc *q, const struct tl_qspec *spec, uint64_t now_ns,
		    struct tl_err *err)
{
	if (spec->kind != q->spec.kind)
		return tl_err_set(err, EINVAL,
				  "qdisc %s: cannot change into %s in place (replace the discipline)",
				  tl_qkind_name(q->spec.kind), tl_qkind_name(spec->kind));
	int ret = tl_qspec_validate(spec, err);
	if (ret < 0)
		return ret;
	struct tl_qspec old = q->spec;
	q->spec = *spec;
	ret = q->ops->change(q, &old, now_ns, err);
	if (ret < 0) {
		q->spec = old;
		tl_err_prefix(err, "qdisc %s", tl_qkind_name(spec->kind));
	}
	return ret;
}

enum tl_drop_cause tl_qdisc_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	p->enqueue_ns = now_ns;
	p->ce_marked = false;
	uint32_t len = p->len; /* p may be gone by the time enqueue returns */
	enum tl_drop_cause cause = q->ops->enqueue(q, p, now_ns);
	if (cause == TL_DROP_NONE) {
		q->stats.enq_pkts++;
		q->stats.enq_bytes += len;
	}
	return cause;
}

struct tl_pkt *tl_qdisc_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	struct tl_pkt *p = q->ops->dequeue(q, now_ns);
	if (p) {
		q->stats.deq_pkts++;
		q->stats.deq_bytes += p->len;
	}
	return p;
}

void tl_qdisc_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	*out = (struct tl_qdisc_info){ .kind = q->spec.kind };
	if (q->ops->info)
		q->ops->info(q, out);
}

void tl_qdisc_drop(struct tl_qdisc *q, struct tl_pkt *p, enum tl_drop_cause cause,
		   uint64_t now_ns)
{
	q->stats.drop_pkts[cause]++;
	q->stats.drop_bytes[cause] += p->len;
	q->drop_fn(q->drop_ctx, p, cause, now_ns);
}

bool tl_qdisc_mark(struct tl_qdisc *q, struct tl_pkt *p)
{
	if (!q->spec.ecn || !p->ecn_capable)
		return false;
	p->ce_marked = true;
	q->stats.marks++;
	return true;
}

bool tl_qdisc_fits(const struct tl_qdisc *q, const struct tl_pkt *p)
{
	if (q->spec.limit_bytes && q->backlog_bytes + p->len > q->spec.limit_bytes)
		return false;
	if (q->spec.limit_pkts && (uint64_t)q->backlog_pkts + 1 > q->spec.limit_pkts)
		return false;
	return true;
}

const char *tl_drop_cause_name(enum tl_drop_cause cause)
{
	static const char *const names[TL_DROP_CAUSES] = {
		[TL_DROP_NONE] = "none",
		[TL_DROP_QUEUE_FULL] = "queue_full",
		[TL_DROP_AQM] = "aqm",
		[TL_DROP_LOSS] = "loss",
		[TL_DROP_FLUSH] = "flush",
	};
	return (unsigned)cause < TL_DROP_CAUSES ? names[cause] : "unknown";
}
