// SPDX-License-Identifier: GPL-2.0
/*
 * Output.  Every listing fills an hp_tbl, cell by cell, with both its text
 * and its JSON form; the table then prints aligned columns (or "name value"
 * lines for an object), or JSON built with jansson.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hairpin.h"

#define MAXCOL 32
/* `stats' prints every counter as a column of one row. */
_Static_assert(MAXCOL >= NFHP_STATS_A_MAX, "MAXCOL: a column per counter");

struct hp_tbl {
	bool json, object;
	json_t *root;			/* array of rows, or the object */
	json_t *row;
	const char *head[MAXCOL];
	size_t width[MAXCOL];
	size_t ncol, col;
	char **cells;			/* nrows rows of MAXCOL */
	size_t nrows, cap;
	bool oom;
};

struct hp_tbl *hp_tbl_new(bool json, bool object)
{
	struct hp_tbl *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->json = json;
	t->object = object;
	t->root = object ? json_object() : json_array();
	if (!t->root) {
		free(t);
		return NULL;
	}
	return t;
}

void hp_tbl_row(struct hp_tbl *t)
{
	char **n;

	t->col = 0;
	if (t->json) {
		t->row = t->object ? t->root : json_object();
		if (!t->object && json_array_append_new(t->root, t->row))
			t->oom = true;
		return;
	}
	if (t->object && t->nrows)
		return;
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		n = realloc(t->cells, t->cap * MAXCOL * sizeof(*n));
		if (!n) {
			t->oom = true;
			t->cap = t->nrows;
			return;
		}
		t->cells = n;
	}
	memset(&t->cells[t->nrows * MAXCOL], 0, MAXCOL * sizeof(*n));
	t->nrows++;
}

/*
 * One cell: head is its column in text (NULL: not in text), key and jv its
 * member in JSON (NULL: not in JSON; jv is consumed either way).
 */
void hp_tbl_cell(struct hp_tbl *t, const char *head, const char *key,
		 json_t *jv, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	size_t len;

	if (t->json) {
		if (key && jv && t->row)
			t->oom |= json_object_set_new(t->row, key, jv) < 0;
		else
			json_decref(jv);
		return;
	}
	json_decref(jv);
	if (!head || !t->nrows || t->oom)
		return;
	if (t->col >= MAXCOL) {
		t->oom = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		t->oom = true;
		return;
	}
	if (t->col == t->ncol)
		t->head[t->ncol++] = head;
	len = strlen(s);
	if (t->width[t->col] < len)
		t->width[t->col] = len;
	t->cells[(t->nrows - 1) * MAXCOL + t->col++] = s;
}

void hp_tbl_free(struct hp_tbl *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * MAXCOL; i++)
		free(t->cells[i]);
	free(t->cells);
	json_decref(t->root);
	free(t);
}

static void print_columns(const struct hp_tbl *t, FILE *f)
{
	size_t r, c, w;

	for (c = 0; c < t->ncol; c++) {
		w = strlen(t->head[c]);
		if (w > t->width[c])
			((struct hp_tbl *)t)->width[c] = w;
	}
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncol; c++) {
			const char *s = r ? t->cells[(r - 1) * MAXCOL + c] :
					    t->head[c];

			s = s ? s : "";
			if (c + 1 == t->ncol)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)t->width[c], s);
		}
	}
}

/* Prints and frees the table; 0, or -1 if memory ran out on the way. */
int hp_tbl_print(struct hp_tbl *t, FILE *f)
{
	size_t c, w = 0;
	int ret = -1;

	if (!t || t->oom)
		goto out;
	if (t->json) {
		if (json_dumpf(t->root, f, JSON_COMPACT) < 0)
			goto out;
		fputc('\n', f);
	} else if (t->object) {
		for (c = 0; c < t->ncol; c++)
			w = strlen(t->head[c]) > w ? strlen(t->head[c]) : w;
		for (c = 0; c < t->ncol && t->nrows; c++)
			fprintf(f, "%-*s  %s\n", (int)w, t->head[c],
				t->cells[c]);
	} else if (t->nrows) {
		print_columns(t, f);
	}
	ret = 0;
out:
	hp_tbl_free(t);
	return ret;
}

/* An ICMP query's identifier is in sport (request) or dport (reply). */
static const char *fmt_tuple(const struct hp_tuple *tu, uint8_t proto,
			     char *buf, size_t n)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &tu->src, s, sizeof(s));
	inet_ntop(AF_INET, &tu->dst, d, sizeof(d));
	if (proto == IPPROTO_ICMP)
		snprintf(buf, n, "%s -> %s id %u", s, d,
			 tu->sport ? tu->sport : tu->dport);
	else if (!tu->sport && !tu->dport)
		snprintf(buf, n, "%s -> %s", s, d);
	else
		snprintf(buf, n, "%s:%u -> %s:%u", s, tu->sport, d, tu->dport);
	return buf;
}

static json_t *json_tuple(const struct hp_tuple *tu)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &tu->src, s, sizeof(s));
	inet_ntop(AF_INET, &tu->dst, d, sizeof(d));
	return json_pack("{s:s, s:i, s:s, s:i}", "src", s, "sport", tu->sport,
			 "dst", d, "dport", tu->dport);
}

static json_t *json_u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* A cell that is "-" in text and absent in JSON unless present. */
static void opt_str(struct hp_tbl *t, const char *head, const char *key,
		    bool present, const char *s)
{
	hp_tbl_cell(t, head, key, present ? json_string(s) : NULL, "%s",
		    present ? s : "-");
}

static void opt_id(struct hp_tbl *t, const char *head, const char *key,
		   bool present, uint32_t id)
{
	if (present)
		hp_tbl_cell(t, head, key, json_integer(id), "%u", id);
	else
		hp_tbl_cell(t, head, key, NULL, "-");
}

static void rule_flags(struct hp_tbl *t, const struct hp_rule *r)
{
	bool ext = r->flags & NFHP_DNAT_F_REFLECT_EXTERNAL;
	bool noref = r->flags & NFHP_DNAT_F_NOREFLECT;
	json_t *j;

	if (r->kind == HP_SNAT) {
		j = json_pack("{s:b}", "masquerade",
			      !!(r->flags & NFHP_SNAT_F_MASQUERADE));
		hp_tbl_cell(t, "FLAGS", "flags", j, "%s",
			    r->flags & NFHP_SNAT_F_MASQUERADE ? "masquerade" :
								"-");
		return;
	}
	j = json_pack("{s:b, s:s}", "noreflect", noref, "reflect_src",
		      ext ? "external" : "internal");
	hp_tbl_cell(t, "FLAGS", "flags", j, "%s%s%s",
		    noref ? "noreflect" : "", noref && ext ? "," : "",
		    ext ? "reflect-src=external" : !noref ? "-" : "");
}

static void print_rule(struct hp_tbl *t, const struct hp_rule *r)
{
	bool dnat = r->kind == HP_DNAT;
	bool local = dnat && (r->flags & NFHP_DNAT_F_LOCAL);
	char a[HP_TO_LEN], p[HP_PORTS_LEN];

	hp_tbl_row(t);
	opt_id(t, "ID", "id", r->has & HP_R_ID, r->id);
	opt_str(t, dnat ? "IIF" : "OIF", dnat ? "iif" : "oif",
		r->has & HP_R_IF, r->ifname);
	opt_str(t, "SRC", "src", r->has & HP_R_SRC,
		hp_fmt_prefix(r->src, r->src_plen, a));
	opt_str(t, "DST", "dst", local || (r->has & HP_R_DST), local ?
		"local" : hp_fmt_prefix(r->dst, dnat ? 32 : r->dst_plen, a));
	opt_str(t, "PROTO", "proto", r->has & HP_R_PROTO,
		hp_proto_name(r->proto, p, sizeof(p)));
	opt_str(t, "DPORT", "dport", r->has & HP_R_DPORT,
		hp_fmt_ports(r->dport_min, r->dport_max, p));
	opt_str(t, "TO", "to", r->has & HP_R_TO, hp_fmt_to(r, a));
	rule_flags(t, r);
	hp_tbl_cell(t, "PACKETS", "packets", json_u64(r->packets), "%llu",
		    (unsigned long long)r->packets);
	hp_tbl_cell(t, "BYTES", "bytes", json_u64(r->bytes), "%llu",
		    (unsigned long long)r->bytes);
	hp_tbl_cell(t, "CONNS", "connections", json_u64(r->conns), "%llu",
		    (unsigned long long)r->conns);
}

void hp_print_rules(struct hp_tbl *t, const struct hp_ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		print_rule(t, &rs->rules[i]);
}

static const char *state_name(uint8_t state, char *buf, size_t n)
{
	if (state < __NFHP_CONN_S_MAX)
		return hp_state_names[state];
	snprintf(buf, n, "%u", state);
	return buf;
}

static void conn_cells(struct hp_tbl *t, const struct hp_conn *c)
{
	static const char *const names[] = { "reflected", "local_out",
					     "replied" };
	char b[8], o[64], r[64], fl[40] = "";
	const char *s;
	json_t *jf = json_object();
	size_t i;

	s = hp_proto_name(c->proto, b, sizeof(b));
	hp_tbl_cell(t, "PROTO", "proto", json_string(s), "%s", s);
	s = state_name(c->state, b, sizeof(b));
	hp_tbl_cell(t, "STATE", "state", json_string(s), "%s", s);
	hp_tbl_cell(t, "TIMEOUT", "timeout", json_integer(c->timeout), "%u",
		    c->timeout);
	hp_tbl_cell(t, "ORIG", "orig", json_tuple(&c->orig), "%s",
		    fmt_tuple(&c->orig, c->proto, o, sizeof(o)));
	hp_tbl_cell(t, "REPLY", "reply", json_tuple(&c->reply), "%s",
		    fmt_tuple(&c->reply, c->proto, r, sizeof(r)));
	opt_id(t, "DNAT", "dnat_id", c->has & HP_C_DNAT_ID, c->dnat_id);
	opt_id(t, "SNAT", "snat_id", c->has & HP_C_SNAT_ID, c->snat_id);
	for (i = 0; i < 3; i++) {
		bool on = c->flags & (1U << i);

		json_object_set_new(jf, names[i], json_boolean(on));
		if (on)
			snprintf(fl + strlen(fl), sizeof(fl) - strlen(fl),
				 "%s%s", fl[0] ? "," : "", names[i]);
	}
	hp_tbl_cell(t, "FLAGS", "flags", jf, "%s", fl[0] ? fl : "-");
}

void hp_print_conns(struct hp_tbl *t, const struct hp_connset *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		hp_tbl_row(t);
		conn_cells(t, &cs->conns[i]);
	}
}

/* One line per event: text, or a JSON object with "event" first. */
int hp_print_event(FILE *f, bool json, uint8_t cmd, const struct hp_conn *c)
{
	const char *ev = cmd == NFHP_CMD_CONN_NEW ? "new" : "destroy";
	char o[64], r[64], b[8], sb[8];
	struct hp_tbl *t;

	if (json) {
		t = hp_tbl_new(true, true);
		if (!t)
			return -1;
		hp_tbl_row(t);
		hp_tbl_cell(t, NULL, "event", json_string(ev), "%s", ev);
		conn_cells(t, c);
		return hp_tbl_print(t, f);
	}
	fprintf(f, "[%s] %s %s | reply %s | %s",
		cmd == NFHP_CMD_CONN_NEW ? "NEW" : "DESTROY",
		hp_proto_name(c->proto, b, sizeof(b)),
		fmt_tuple(&c->orig, c->proto, o, sizeof(o)),
		fmt_tuple(&c->reply, c->proto, r, sizeof(r)),
		state_name(c->state, sb, sizeof(sb)));
	if (c->has & HP_C_DNAT_ID)
		fprintf(f, " dnat %u", c->dnat_id);
	if (c->has & HP_C_SNAT_ID)
		fprintf(f, " snat %u", c->snat_id);
	if (c->flags & NFHP_CONN_F_REFLECTED)
		fprintf(f, " reflected");
	fputc('\n', f);
	return 0;
}

void hp_print_stats(struct hp_tbl *t, const struct hp_stats *st)
{
	int i;

	hp_tbl_row(t);
	for (i = 1; i <= NFHP_STATS_A_MAX; i++)
		if (st->set[i] && hp_stats_names[i])
			hp_tbl_cell(t, hp_stats_names[i], hp_stats_names[i],
				    json_u64(st->val[i]), "%llu",
				    (unsigned long long)st->val[i]);
}

/*
 * The settings of groups (HP_CFG_*) that cfg has: the timeouts, then the
 * limits, each in attribute order (timeouts added later, such as
 * udp_unreplied, still come before the limits).
 */
void hp_print_config(struct hp_tbl *t, const struct hp_config *cfg,
		     unsigned int groups)
{
	static const unsigned int order[] = {
		HP_CFG_TIMEOUTS, HP_CFG_LIMITS, HP_CFG_BEHAVIOUR
	};
	const char *s;
	unsigned int g;
	int i;

	hp_tbl_row(t);
	for (g = 0; g < sizeof(order) / sizeof(order[0]); g++)
		for (i = 1; i <= HP_CFG_N; i++) {
			if (!cfg->set[i] || hp_cfg_group(i) != order[g] ||
			    !(order[g] & groups))
				continue;
			if (order[g] != HP_CFG_BEHAVIOUR) {
				hp_tbl_cell(t, hp_cfg_names[i], hp_cfg_names[i],
					    json_integer(cfg->val[i]), "%u",
					    cfg->val[i]);
				continue;
			}
			s = cfg->val[i] <= NFHP_FILTERING_MAX ?
			    hp_filtering_names[cfg->val[i]] : "unknown";
			hp_tbl_cell(t, hp_cfg_names[i], hp_cfg_names[i],
				    json_string(s), "%s", s);
		}
}

/* Wraps s after lead at 79 columns, continuing indent columns in. */
static void print_wrapped(FILE *f, const char *lead, size_t indent,
			  const char *s)
{
	size_t col = strlen(lead), w;
	const char *sp;

	fputs(lead, f);
	while (*s) {
		sp = strchr(s, ' ');
		w = sp ? (size_t)(sp - s) : strlen(s);
		if (col > indent && col + 1 + w > 79) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > strlen(lead)) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, s);
		col += w;
		s += w;
		while (*s == ' ')
			s++;
	}
	fputc('\n', f);
}

void hp_print_usage(FILE *f, const struct hp_obj *obj)
{
	static const char lead[] = "       hairpin ";
	const struct hp_obj *o, *end = obj ? obj + 1 : NULL;
	const struct hp_cmd *c;
	char name[32];

	if (!obj)
		fprintf(f, "Usage: %s\n", hp_usage_main);
	else
		fprintf(f, "Usage:\n");
	for (o = obj ? obj : hp_objs; o->name && o != end; o++)
		for (c = o->cmds; c->name; c++)
			print_wrapped(f, lead, sizeof(lead) - 1 + 8, c->usage);
	fputc('\n', f);
	for (o = obj ? obj : hp_objs; o->name && o != end; o++)
		for (c = o->cmds; c->name; c++) {
			snprintf(name, sizeof(name), "%s%s%s", o->name,
				 c->name[0] ? " " : "", c->name);
			fprintf(f, "  %-15s %s\n", name, c->desc);
		}
	for (o = obj ? obj : hp_objs; o->name && o != end; o++)
		if (o->note) {
			fputc('\n', f);
			print_wrapped(f, "", 0, o->note);
		}
	if (!obj)
		fprintf(f, "\nEvery object takes `help'; see hairpin(8).\n");
}

/* ---- explain ---- */

static const char *const verdict_names[__NFHP_EXPLAIN_MAX] = {
	[NFHP_EXPLAIN_NONE]		= "none",
	[NFHP_EXPLAIN_FORWARD]		= "forward",
	[NFHP_EXPLAIN_MASQUERADE]	= "masquerade",
	[NFHP_EXPLAIN_MAPPING]		= "mapping",
	[NFHP_EXPLAIN_MAPPING_IN]	= "mapping-in",
	[NFHP_EXPLAIN_FILTERED]		= "filtered",
	[NFHP_EXPLAIN_NO_ROUTE]		= "no-route",
};

static const char *const xsnat_names[__NFHP_EXPLAIN_SNAT_MAX] = {
	[NFHP_EXPLAIN_SNAT_NONE]		= "none",
	[NFHP_EXPLAIN_SNAT_RULE]		= "rule",
	[NFHP_EXPLAIN_SNAT_REFLECT]		= "reflect",
	[NFHP_EXPLAIN_SNAT_REFLECT_EXTERNAL]	= "reflect-external",
	[NFHP_EXPLAIN_SNAT_NOT_ONLINK]		= "not-onlink",
	[NFHP_EXPLAIN_SNAT_NOREFLECT]		= "noreflect",
	[NFHP_EXPLAIN_SNAT_MAPPING]		= "mapping",
};

static const char *name_of(const char *const *names, uint32_t n, uint32_t v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

static const char *ip(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* The client's port: as asked, or the kernel's default. */
static uint16_t xq_sport(const struct hp_xq *q)
{
	return q->sport ? q->sport : 40000;
}

/* The four steps of seed 004's table: there, after us, back, after us. */
static void steps_of(const struct hp_xq *q, const struct hp_xa *a,
		     struct hp_tuple st[4])
{
	const struct hp_tuple *o = &a->conn.orig, *r = &a->conn.reply;

	if (!a->has_conn) {
		st[0].src = q->src;
		st[0].sport = xq_sport(q);
		st[0].dst = q->dst;
		st[0].dport = q->dport;
		st[1] = st[0];
		o = &st[0];
		st[2].src = o->dst;
		st[2].sport = o->dport;
		st[2].dst = o->src;
		st[2].dport = o->sport;
		st[3] = st[2];
		return;
	}
	st[0] = *o;
	st[1].src = r->dst;
	st[1].sport = r->dport;
	st[1].dst = r->src;
	st[1].dport = r->sport;
	st[2] = *r;
	st[3].src = o->dst;
	st[3].sport = o->dport;
	st[3].dst = o->src;
	st[3].dport = o->sport;
}

static void print_why(FILE *f, const struct hp_xq *q, const struct hp_xa *a)
{
	const struct hp_conn *c = &a->conn;
	char b1[INET_ADDRSTRLEN], b2[INET_ADDRSTRLEN], b3[INET_ADDRSTRLEN];
	const char *proto = q->proto == IPPROTO_TCP ? "tcp" : "udp";

	fprintf(f, "packet:       %s %s:%u -> %s:%u, %s%s\n", proto,
		ip(q->src, b1), xq_sport(q), ip(q->dst, b2), q->dport,
		q->iif[0] ? "arriving on " : "sent by the router itself",
		q->iif);
	switch (a->verdict) {
	case NFHP_EXPLAIN_FORWARD:
		fprintf(f, "port forward: dnat rule %u: to %s:%u\n", c->dnat_id,
			ip(c->reply.src, b1), c->reply.sport);
		break;
	case NFHP_EXPLAIN_MASQUERADE:
		fprintf(f, "port forward: none for %s %s:%u; snat rule %u on "
			"the way out\n", proto, ip(q->dst, b1), q->dport,
			c->snat_id);
		break;
	case NFHP_EXPLAIN_MAPPING:
		fprintf(f, "port forward: none; %s:%u is the mapping of %s:%u: "
			"hairpinned to it\n", ip(q->dst, b1), q->dport,
			ip(c->reply.src, b2), c->reply.sport);
		break;
	case NFHP_EXPLAIN_MAPPING_IN:
		fprintf(f, "port forward: none; %s:%u is the mapping of %s:%u: "
			"let in (filtering endpoint-independent)\n",
			ip(q->dst, b1), q->dport, ip(c->reply.src, b2),
			c->reply.sport);
		break;
	case NFHP_EXPLAIN_FILTERED:
		fprintf(f, "port forward: none; %s:%u is a mapping, and this "
			"packet comes from outside: dropped (filtering "
			"address-and-port-dependent)\n", ip(q->dst, b1),
			q->dport);
		return;
	case NFHP_EXPLAIN_NO_ROUTE:
		fprintf(f, "route:        none (%s)\n", strerror((int)a->route_err));
		return;
	default:
		fprintf(f, "port forward: none for %s %s:%u (no rule matches its "
			"protocol, address, port, interface and source), no "
			"mapping, no snat rule: untranslated\n", proto,
			ip(q->dst, b1), q->dport);
		break;
	}
	fprintf(f, "route:        %s %s via %s%s%s\n",
		a->has_conn && a->verdict != NFHP_EXPLAIN_MASQUERADE ?
		"to the server," : "",
		ip(a->has_conn ? c->reply.src : q->dst, b1), a->oif,
		a->gateway ? ", gateway " : ", on-link",
		a->gateway ? ip(a->gateway, b2) : "");
	switch (a->snat) {
	case NFHP_EXPLAIN_SNAT_RULE:
		fprintf(f, "source NAT:   snat rule %u: from %s:%u\n", c->snat_id,
			ip(c->reply.dst, b1), c->reply.dport);
		break;
	case NFHP_EXPLAIN_SNAT_REFLECT:
	case NFHP_EXPLAIN_SNAT_REFLECT_EXTERNAL:
		fprintf(f, "source NAT:   reflection, from %s: the client %s is "
			"on-link on %s, where the server is; the server would "
			"answer it directly, and the client would drop an "
			"answer from %s\n", ip(c->reply.dst, b1),
			ip(c->orig.src, b2), a->oif, ip(c->reply.src, b3));
		break;
	case NFHP_EXPLAIN_SNAT_NOT_ONLINK:
		fprintf(f, "source NAT:   none: the client %s is not on-link on "
			"%s; the server's answers come back through the "
			"router, which undoes the DNAT\n", ip(c->orig.src, b1),
			a->oif);
		break;
	case NFHP_EXPLAIN_SNAT_NOREFLECT:
		fprintf(f, "source NAT:   none: the rule says noreflect, although "
			"the client %s is on-link on %s: the server answers it "
			"directly\n", ip(c->orig.src, b1), a->oif);
		break;
	case NFHP_EXPLAIN_SNAT_MAPPING:
		fprintf(f, "source NAT:   the sender's own mapping, %s:%u (RFC "
			"4787 REQ-9a)\n", ip(c->reply.dst, b1), c->reply.dport);
		break;
	default:
		break;
	}
	if (a->has_conn)
		fprintf(f, "conntrack:    the entry gets this translation (ct "
			"status%s%s); the filter's forward chain sees %s -> %s\n",
			c->orig.dst != c->reply.src ||
			c->orig.dport != c->reply.sport ? " dnat" : "",
			c->orig.src != c->reply.dst ||
			c->orig.sport != c->reply.dport ? " snat" : "",
			ip(c->orig.src, b1), ip(c->reply.src, b2));
}

int hp_print_explain(FILE *f, bool json, const struct hp_xq *q,
		     const struct hp_xa *a)
{
	static const char *const who[4] = {
		"client -> router", "router -> server", "server -> router",
		"router -> client"
	};
	char b1[INET_ADDRSTRLEN], b2[INET_ADDRSTRLEN];
	struct hp_tuple st[4];
	json_t *j, *steps, *c;
	int i, ret;

	steps_of(q, a, st);
	if (!json) {
		print_why(f, q, a);
		if (a->verdict == NFHP_EXPLAIN_FILTERED ||
		    a->verdict == NFHP_EXPLAIN_NO_ROUTE)
			return 0;
		fputc('\n', f);
		for (i = 0; i < 4; i++)
			fprintf(f, "Step %d  Source IP %-15s  Destination IP "
				"%-15s  (%u -> %u, %s)\n", i + 1,
				ip(st[i].src, b1), ip(st[i].dst, b2),
				st[i].sport, st[i].dport, who[i]);
		return 0;
	}
	steps = json_array();
	for (i = 0; i < 4; i++)
		json_array_append_new(steps, json_tuple(&st[i]));
	j = json_pack("{s:s, s:s, s:s, s:o}",
		      "verdict", name_of(verdict_names, __NFHP_EXPLAIN_MAX,
					 a->verdict),
		      "snat", name_of(xsnat_names, __NFHP_EXPLAIN_SNAT_MAX,
				      a->snat),
		      "oif", a->oif, "steps", steps);
	if (!j)
		return -1;
	if (a->gateway)
		json_object_set_new(j, "gateway", json_string(ip(a->gateway,
								  b1)));
	if (a->route_err)
		json_object_set_new(j, "route_error",
				    json_string(strerror((int)a->route_err)));
	if (a->has_conn) {
		c = json_pack("{s:o, s:o}", "orig", json_tuple(&a->conn.orig),
			      "reply", json_tuple(&a->conn.reply));
		if (a->conn.has & HP_C_DNAT_ID)
			json_object_set_new(c, "dnat_id",
					    json_integer(a->conn.dnat_id));
		if (a->conn.has & HP_C_SNAT_ID)
			json_object_set_new(c, "snat_id",
					    json_integer(a->conn.snat_id));
		json_object_set_new(c, "reflected",
				    json_boolean(a->conn.flags &
						 NFHP_CONN_F_REFLECTED));
		json_object_set_new(j, "conn", c);
	}
	ret = json_dumpf(j, f, JSON_COMPACT);
	fputc('\n', f);
	json_decref(j);
	return ret;
}
