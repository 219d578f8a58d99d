/* The axes of a campaign: lists of values per parameter, and the campaign's identity. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "exp/axes.h"

static const struct {
	const char *name;
	const char *def;
} axis_info[TL_AXIS_COUNT] = {
	[TL_AXIS_RATE] = { "rate", "100mbit" },
	[TL_AXIS_RTT] = { "rtt", "40ms" },
	[TL_AXIS_BUFFER] = { "buffer", "1bdp" },
	[TL_AXIS_AQM] = { "aqm", "taildrop" },
	[TL_AXIS_LOSS] = { "loss", "0" },
	[TL_AXIS_CC] = { "cc", "cubic" },
	[TL_AXIS_FLOWS] = { "flows", "1" },
	[TL_AXIS_RCVBUF] = { "rcvbuf", "auto" },
	[TL_AXIS_CLAMP] = { "window-clamp", "auto" },
	[TL_AXIS_DURATION] = { "time", "30s" },
	[TL_AXIS_WARMUP] = { "warmup", "2s" },
};

const char *tl_exp_axis_name(enum tl_exp_axis a)
{
	return (unsigned)a < TL_AXIS_COUNT ? axis_info[a].name : "?";
}

const char *tl_exp_axis_default(enum tl_exp_axis a)
{
	return (unsigned)a < TL_AXIS_COUNT ? axis_info[a].def : "";
}

int tl_exp_axis_find(const char *name)
{
	char norm[32];
	size_t i;
	for (i = 0; name[i] && i < sizeof(norm) - 1; i++)
		norm[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	norm[i] = '\0';
	if (strcmp(norm, "duration") == 0 || strcmp(norm, "t") == 0)
		return TL_AXIS_DURATION;
	if (strcmp(norm, "window") == 0)
		return TL_AXIS_RCVBUF;
	for (int a = 0; a < TL_AXIS_COUNT; a++)
		if (strcmp(norm, axis_info[a].name) == 0)
			return a;
	return -1;
}

void tl_exp_axes_init(struct tl_exp_axes *ax)
{
	memset(ax, 0, sizeof(*ax));
	ax->repeat = 1;
	ax->probe_rate = 10;
}

void tl_exp_axes_clear(struct tl_exp_axes *ax, enum tl_exp_axis a)
{
	ax->count[a] = 0;
}

int tl_exp_axes_add(struct tl_exp_axes *ax, enum tl_exp_axis a, const char *value,
		    struct tl_err *err)
{
	while (isspace((unsigned char)*value))
		value++;
	size_t len = strlen(value);
	while (len > 0 && isspace((unsigned char)value[len - 1]))
		len--;
	if (len == 0)
		return tl_err_set(err, EINVAL, "--%s: an empty value (write a list such as "
			"--%s %s,...)", tl_exp_axis_name(a), tl_exp_axis_name(a),
			tl_exp_axis_default(a));
	if (len >= TL_EXP_VALUE_LEN)
		return tl_err_set(err, EINVAL, "--%s \"%.*s\": longer than %d characters",
				  tl_exp_axis_name(a), (int)len, value, TL_EXP_VALUE_LEN - 1);
	if (ax->count[a] >= TL_EXP_MAX_VALUES)
		return tl_err_set(err, E2BIG, "--%s: more than %d values (split the campaign)",
				  tl_exp_axis_name(a), TL_EXP_MAX_VALUES);
	for (unsigned i = 0; i < ax->count[a]; i++)
		if (strlen(ax->values[a][i]) == len && strncmp(ax->values[a][i], value, len) == 0)
			return tl_err_set(err, EINVAL, "--%s: \"%.*s\" is listed twice (list each "
					  "value once; use --repeat for repetitions)",
					  tl_exp_axis_name(a), (int)len, value);
	memcpy(ax->values[a][ax->count[a]], value, len);
	ax->values[a][ax->count[a]][len] = '\0';
	ax->count[a]++;
	return 0;
}

/* "codel:target=5ms,interval=50ms,pie": the pieces after the first that hold '=' (or a
 * bare flag such as ecn) and no ':' belong to the AQM before them. */
static bool aqm_continues(const char *piece)
{
	if (strchr(piece, ':'))
		return false;
	if (strchr(piece, '='))
		return true;
	return strcmp(piece, "ecn") == 0 || strcmp(piece, "gentle") == 0 ||
	       strcmp(piece, "derand") == 0;
}

int tl_exp_axes_add_list(struct tl_exp_axes *ax, enum tl_exp_axis a, const char *list,
			 struct tl_err *err)
{
	if (a == TL_AXIS_CC)
		return tl_exp_axes_add(ax, a, list, err);
	char buf[1024], cur[TL_EXP_VALUE_LEN * 2] = "";
	if (strlen(list) >= sizeof(buf))
		return tl_err_set(err, E2BIG, "--%s: the list is too long", tl_exp_axis_name(a));
	strcpy(buf, list);
	char *save = NULL;
	for (char *piece = strtok_r(buf, ",", &save); piece; piece = strtok_r(NULL, ",", &save)) {
		if (a == TL_AXIS_AQM && cur[0] && aqm_continues(piece)) {
			size_t n = strlen(cur);
			snprintf(cur + n, sizeof(cur) - n, "%s%s", strchr(cur, ':') ? "," : ":",
				 piece);
			continue;
		}
		if (cur[0] && tl_exp_axes_add(ax, a, cur, err) < 0)
			return -EINVAL;
		snprintf(cur, sizeof(cur), "%s", piece);
	}
	if (!cur[0])
		return tl_exp_axes_add(ax, a, "", err);
	return tl_exp_axes_add(ax, a, cur, err);
}

char *tl_exp_axes_key(const struct tl_exp_axes *ax)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (int a = 0; a < TL_AXIS_COUNT; a++) {
		json_t *arr = json_array();
		if (ax->count[a] == 0)
			json_array_append_new(arr, json_string(axis_info[a].def));
		for (unsigned i = 0; i < ax->count[a]; i++)
			json_array_append_new(arr, json_string(ax->values[a][i]));
		json_object_set_new(o, axis_info[a].name, arr);
	}
	json_object_set_new(o, "repeat", json_integer(ax->repeat));
	json_object_set_new(o, "probe", json_boolean(ax->probe));
	json_object_set_new(o, "probe_rate", json_integer(ax->probe_rate));
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(o);
	return s;
}
