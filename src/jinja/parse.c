/*
 * jinja/parse.c — the lexer and the recursive-descent parser: template
 * text → AST (jinja_int.h), following Jinja2 3.1's grammar and precedence:
 *
 *   expr    := or ['if' or ['else' expr]]
 *   or      := and ('or' and)*        and := not ('and' not)*
 *   not     := 'not' not | compare    compare := math1 (cmpop math1)*
 *   math1   := concat (('+'|'-') concat)*   concat := math2 ('~' math2)*
 *   math2   := pow (('*'|'/'|'//'|'%') pow)*  pow := unary ('**' unary)*
 *   unary   := ('-'|'+') unary-without-filter | primary postfix* filter-expr*
 *
 * The whole template is tokenised first (whitespace control is applied to
 * text tokens there), then parsed. Names are interned in the env so the
 * evaluator compares pointers. Newlines are normalised to \n and one
 * trailing newline is dropped (Jinja2's keep_trailing_newline=False).
 *
 * Not done: line statements, template inheritance (extends, block,
 * include, import), loop controls (break/continue: an extension dbt does
 * not enable).
 */
#include "jinja/jinja_int.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum tok_type {
	T_EOF, T_TEXT, T_VBEGIN, T_VEND, T_BBEGIN, T_BEND, T_NAME, T_STR, T_INT, T_FLOAT, T_OP,
};

struct tok {
	uint8_t type;
	int line, col;
	const char *s; /* text / name / op (in source or arena) */
	size_t n;
	int64_t i;
	double f;
};

struct parser {
	struct jinja_env *env;
	struct jinja_template *t;
	struct arena *a;
	struct err *e;
	VEC(struct tok) toks;
	size_t pos;
	uint8_t *macro_flags; /* of the macro being parsed */
	int depth;
	int loops; /* for-loop bodies open around the statement (0 in a macro body) */
};

/* ------------------------------------------------------------ errors */

static int perr_at(struct parser *p, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int perr_at(struct parser *p, int line, int col, const char *fmt, ...)
{
	if (p->e && !p->e->code) {
		va_list ap;
		va_start(ap, fmt);
		char msg[512];
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		err_setloc(p->e, ING_EPARSE, p->t->path, line, col, "%s", msg);
		const char *ls = p->t->src;
		for (int l = 1; l < line && ls; l++) {
			ls = strchr(ls, '\n');
			if (ls)
				ls++;
		}
		if (ls)
			err_snippet(p->e, ls);
	}
	return ING_EPARSE;
}

/* ------------------------------------------------------------- lexer */

struct lexer {
	struct parser *p;
	const char *src, *cur, *end;
	int line;
	const char *line_start;
};

static void lx_adv(struct lexer *L, size_t n)
{
	for (size_t i = 0; i < n && L->cur < L->end; i++, L->cur++)
		if (*L->cur == '\n') {
			L->line++;
			L->line_start = L->cur + 1;
		}
}

static int lx_col(struct lexer *L, const char *at)
{
	const char *ls = at;
	while (ls > L->src && ls[-1] != '\n')
		ls--;
	return (int)(at - ls) + 1;
}

static struct tok *push_tok(struct parser *p, int type, int line, int col, const char *s, size_t n)
{
	struct tok t = {.type = (uint8_t)type, .line = line, .col = col, .s = s, .n = n};
	vec_push(&p->toks, t);
	return &vec_last(&p->toks);
}

static void push_text(struct lexer *L, const char *s, size_t n, int line, int col, bool rstrip,
		      bool *lstrip_next)
{
	if (*lstrip_next) {
		while (n && isspace((unsigned char)*s)) {
			s++;
			n--;
		}
		*lstrip_next = false;
	}
	if (rstrip)
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
	if (n)
		push_tok(L->p, T_TEXT, line, col, s, n);
}

static bool is_name_start(int c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool is_name_char(int c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* Decode a Python string literal body into arena memory. */
static int decode_string(struct parser *p, const char *s, size_t n, int line, int col, struct tok *t)
{
	char *o = arena_alloc(p->a, n * 4 + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != '\\' || i + 1 >= n) {
			o[k++] = c;
			continue;
		}
		char d = s[++i];
		uint32_t cp = 0;
		int hex = 0;
		switch (d) {
		case '\n': break;
		case '\\': o[k++] = '\\'; break;
		case '\'': o[k++] = '\''; break;
		case '"': o[k++] = '"'; break;
		case 'a': o[k++] = '\a'; break;
		case 'b': o[k++] = '\b'; break;
		case 'f': o[k++] = '\f'; break;
		case 'n': o[k++] = '\n'; break;
		case 'r': o[k++] = '\r'; break;
		case 't': o[k++] = '\t'; break;
		case 'v': o[k++] = '\v'; break;
		case 'x': hex = 2; break;
		case 'u': hex = 4; break;
		case 'U': hex = 8; break;
		default:
			if (d >= '0' && d <= '7') {
				cp = (uint32_t)(d - '0');
				for (int j = 0; j < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; j++)
					cp = cp * 8 + (uint32_t)(s[++i] - '0');
				hex = -1;
			} else if (d == 'N') {
				return perr_at(p, line, col, "\\N{...} escapes are not supported");
			} else {
				o[k++] = '\\';
				o[k++] = d;
			}
		}
		if (hex > 0) {
			for (int j = 0; j < hex; j++) {
				if (i + 1 >= n || !isxdigit((unsigned char)s[i + 1]))
					return perr_at(p, line, col, "truncated \\%c escape in string", d);
				char h = s[++i];
				cp = cp * 16 + (uint32_t)(isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10));
			}
		}
		if (hex) {
			if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
				return perr_at(p, line, col, "invalid code point in string escape");
			if (cp < 0x80) {
				o[k++] = (char)cp;
			} else if (cp < 0x800) {
				o[k++] = (char)(0xC0 | (cp >> 6));
				o[k++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				o[k++] = (char)(0xE0 | (cp >> 12));
				o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				o[k++] = (char)(0x80 | (cp & 0x3F));
			} else {
				o[k++] = (char)(0xF0 | (cp >> 18));
				o[k++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				o[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				o[k++] = (char)(0x80 | (cp & 0x3F));
			}
		}
	}
	o[k] = 0;
	t->s = o;
	t->n = k;
	return 0;
}

static const char *const ops2[] = {"//", "**", "==", "!=", "<=", ">=", NULL};
static const char ops1[] = "+-*/%~()[]{},.:|=<>;";

/* Lex the inside of a tag up to its end; returns 0 and sets *strip_after. */
static int lex_tag(struct lexer *L, const char *close, int end_type, bool *lstrip_next)
{
	struct parser *p = L->p;
	int bal = 0;
	for (;;) {
		while (L->cur < L->end && isspace((unsigned char)*L->cur))
			lx_adv(L, 1);
		if (L->cur >= L->end)
			return perr_at(p, L->line, lx_col(L, L->cur), "unexpected end of template, expected '%s'", close);
		const char *c = L->cur;
		int col = lx_col(L, c);
		size_t left = (size_t)(L->end - c);
		if (!bal) {
			if (left >= 3 && (c[0] == '-' || c[0] == '+') && !memcmp(c + 1, close, 2)) {
				push_tok(p, end_type, L->line, col, c, 3);
				lx_adv(L, 3);
				if (c[0] == '-')
					*lstrip_next = true;
				return 0;
			}
			if (left >= 2 && !memcmp(c, close, 2)) {
				push_tok(p, end_type, L->line, col, c, 2);
				lx_adv(L, 2);
				return 0;
			}
		}
		if (is_name_start((unsigned char)*c)) {
			const char *s = c;
			while (L->cur < L->end && is_name_char((unsigned char)*L->cur))
				L->cur++;
			push_tok(p, T_NAME, L->line, col, s, (size_t)(L->cur - s));
			continue;
		}
		if (isdigit((unsigned char)*c)) {
			/* int or float, with _ separators (digits collected without them) */
			struct buf num = BUF_INIT;
			const char *s = c;
			bool isf = false;
			int base = 10;
			if (c[0] == '0' && left > 2 && strchr("xXoObB", c[1])) {
				base = (c[1] == 'x' || c[1] == 'X') ? 16 : (c[1] == 'o' || c[1] == 'O') ? 8 : 2;
				s += 2;
				for (; s < L->end && (isxdigit((unsigned char)*s) || *s == '_'); s++)
					if (*s != '_')
						buf_putc(&num, *s);
			} else {
				for (; s < L->end && (isdigit((unsigned char)*s) || *s == '_'); s++)
					if (*s != '_')
						buf_putc(&num, *s);
				if (s + 1 < L->end && *s == '.' && isdigit((unsigned char)s[1])) {
					isf = true;
					buf_putc(&num, '.');
					for (s++; s < L->end && (isdigit((unsigned char)*s) || *s == '_'); s++)
						if (*s != '_')
							buf_putc(&num, *s);
				}
				if (s < L->end && (*s == 'e' || *s == 'E')) {
					const char *q = s + 1;
					if (q < L->end && (*q == '+' || *q == '-'))
						q++;
					if (q < L->end && isdigit((unsigned char)*q)) {
						isf = true;
						buf_putc(&num, 'e');
						for (const char *r = s + 1; r < q; r++)
							buf_putc(&num, *r);
						for (s = q; s < L->end && (isdigit((unsigned char)*s) || *s == '_'); s++)
							if (*s != '_')
								buf_putc(&num, *s);
					}
				}
			}
			const char *digits = buf_cstr(&num);
			if (!isf && base == 10 && digits[0] == '0' && strspn(digits, "0") != num.len) {
				buf_free(&num);
				return perr_at(p, L->line, col, "leading zeros in decimal integer literals are not permitted");
			}
			struct tok *t = push_tok(p, isf ? T_FLOAT : T_INT, L->line, col, c, (size_t)(s - c));
			if (isf) {
				t->f = strtod(digits, NULL);
			} else {
				errno = 0;
				unsigned long long u = strtoull(digits, NULL, base);
				if (errno || u > INT64_MAX || !num.len) {
					buf_free(&num);
					return perr_at(p, L->line, col, "integer literal too large");
				}
				t->i = (int64_t)u;
			}
			buf_free(&num);
			L->cur = s;
			continue;
		}
		if (*c == '\'' || *c == '"') {
			char q = *c;
			const char *s = c + 1;
			while (s < L->end && *s != q) {
				if (*s == '\\' && s + 1 < L->end)
					s++;
				s++;
			}
			if (s >= L->end)
				return perr_at(p, L->line, col, "unterminated string, expected %c", q);
			struct tok *t = push_tok(p, T_STR, L->line, col, c, 0);
			int line = L->line;
			if (decode_string(p, c + 1, (size_t)(s - c - 1), line, col, t))
				return ING_EPARSE;
			lx_adv(L, (size_t)(s + 1 - c));
			continue;
		}
		bool found = false;
		for (int i = 0; ops2[i]; i++)
			if (left >= 2 && !memcmp(c, ops2[i], 2)) {
				push_tok(p, T_OP, L->line, col, c, 2);
				lx_adv(L, 2);
				found = true;
				break;
			}
		if (found)
			continue;
		if (strchr(ops1, *c) && *c) {
			if (*c == '(' || *c == '[' || *c == '{')
				bal++;
			else if (*c == ')' || *c == ']' || *c == '}') {
				if (!bal)
					return perr_at(p, L->line, col, "unexpected '%c'", *c);
				bal--;
			}
			push_tok(p, T_OP, L->line, col, c, 1);
			lx_adv(L, 1);
			continue;
		}
		return perr_at(p, L->line, col, "unexpected character '%c'", *c);
	}
}

/* Find "{% <ws>* word <ws>* [-+]?%}" at c; returns the end or NULL. */
static const char *match_tag(const char *c, const char *end, const char *word, bool *strip_before,
			     bool *strip_after)
{
	if (end - c < 2 || c[0] != '{' || c[1] != '%')
		return NULL;
	const char *s = c + 2;
	*strip_before = false;
	if (s < end && (*s == '-' || *s == '+')) {
		*strip_before = *s == '-';
		s++;
	}
	while (s < end && isspace((unsigned char)*s))
		s++;
	size_t wl = strlen(word);
	if ((size_t)(end - s) < wl || memcmp(s, word, wl))
		return NULL;
	s += wl;
	while (s < end && isspace((unsigned char)*s))
		s++;
	*strip_after = false;
	if (s < end && (*s == '-' || *s == '+')) {
		*strip_after = *s == '-';
		s++;
	}
	if (end - s < 2 || s[0] != '%' || s[1] != '}')
		return NULL;
	return s + 2;
}

static int lex(struct parser *p)
{
	struct lexer L = {p, p->t->src, p->t->src, p->t->src + p->t->len, 1, p->t->src};
	bool lstrip_next = false;
	while (L.cur < L.end) {
		/* find the next tag start */
		const char *s = L.cur, *q = L.cur;
		while ((q = memchr(q, '{', (size_t)(L.end - q))) != NULL) {
			if (q + 1 < L.end && (q[1] == '{' || q[1] == '%' || q[1] == '#'))
				break;
			q++;
		}
		if (!q) {
			push_text(&L, s, (size_t)(L.end - s), L.line, lx_col(&L, s), false, &lstrip_next);
			break;
		}
		bool minus = q + 2 < L.end && q[2] == '-';
		int tline = L.line;
		push_text(&L, s, (size_t)(q - s), L.line, lx_col(&L, s), minus, &lstrip_next);
		lx_adv(&L, (size_t)(q - L.cur));
		tline = L.line;
		int tcol = lx_col(&L, q);
		bool sb, sa;
		const char *re;
		if (q[1] == '#') {
			const char *ce = q + 2;
			for (;;) {
				ce = memchr(ce, '#', (size_t)(L.end - ce));
				if (!ce || ce + 1 >= L.end)
					return perr_at(p, tline, tcol, "missing end of comment tag '#}'");
				if (ce[1] == '}')
					break;
				ce++;
			}
			if (ce[-1] == '-' && ce - 1 > q + 2)
				lstrip_next = true;
			lx_adv(&L, (size_t)(ce + 2 - L.cur));
			continue;
		}
		if (q[1] == '%' && (re = match_tag(q, L.end, "raw", &sb, &sa))) {
			lx_adv(&L, (size_t)(re - L.cur));
			if (sa)
				lstrip_next = true;
			/* body up to {% endraw %} */
			const char *r = re, *rend = NULL;
			bool esb = false, esa = false;
			while ((r = memchr(r, '{', (size_t)(L.end - r))) != NULL) {
				if ((rend = match_tag(r, L.end, "endraw", &esb, &esa)))
					break;
				r++;
			}
			if (!r)
				return perr_at(p, tline, tcol, "missing end of raw directive, expected '{%% endraw %%}'");
			push_text(&L, re, (size_t)(r - re), L.line, lx_col(&L, re), esb, &lstrip_next);
			lx_adv(&L, (size_t)(rend - L.cur));
			if (esa)
				lstrip_next = true;
			continue;
		}
		bool is_var = q[1] == '{';
		push_tok(p, is_var ? T_VBEGIN : T_BBEGIN, tline, tcol, q, 2);
		lx_adv(&L, 2 + ((q[2] == '-' || q[2] == '+') ? 1 : 0));
		lstrip_next = false;
		if (lex_tag(&L, is_var ? "}}" : "%}", is_var ? T_VEND : T_BEND, &lstrip_next))
			return ING_EPARSE;
	}
	push_tok(p, T_EOF, L.line, lx_col(&L, L.cur), L.cur, 0);
	return 0;
}

/* ------------------------------------------------------------ parser */

static struct tok *cur(struct parser *p) { return &p->toks.items[p->pos]; }
static struct tok *peek(struct parser *p, size_t k)
{
	size_t i = p->pos + k;
	return &p->toks.items[i < p->toks.len ? i : p->toks.len - 1];
}
static void next(struct parser *p)
{
	if (p->pos + 1 < p->toks.len)
		p->pos++;
}

static bool is_op(const struct tok *t, const char *op)
{
	size_t n = strlen(op);
	return t->type == T_OP && t->n == n && !memcmp(t->s, op, n);
}

static bool is_name(const struct tok *t, const char *nm)
{
	size_t n = strlen(nm);
	return t->type == T_NAME && t->n == n && !memcmp(t->s, nm, n);
}

static const char *tok_desc(struct parser *p, const struct tok *t)
{
	switch (t->type) {
	case T_EOF: return "end of template";
	case T_TEXT: return "template data";
	case T_VBEGIN: return "'{{'";
	case T_VEND: return "end of print statement '}}'";
	case T_BBEGIN: return "'{%'";
	case T_BEND: return "end of statement block '%}'";
	case T_STR: return "string";
	case T_INT: return "integer";
	case T_FLOAT: return "float";
	default: return arena_printf(p->a, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->s);
	}
}

static int expect_op(struct parser *p, const char *op)
{
	if (!is_op(cur(p), op))
		return perr_at(p, cur(p)->line, cur(p)->col, "expected '%s', got %s", op, tok_desc(p, cur(p)));
	next(p);
	return 0;
}

static int expect_type(struct parser *p, int type, const char *what)
{
	if (cur(p)->type != type)
		return perr_at(p, cur(p)->line, cur(p)->col, "expected %s, got %s", what, tok_desc(p, cur(p)));
	next(p);
	return 0;
}

static struct jnode *nn(struct parser *p, int kind, const struct tok *t)
{
	struct jnode *n = arena_zalloc(p->a, sizeof(*n));
	n->kind = (uint8_t)kind;
	n->line = t->line;
	n->col = t->col;
	return n;
}

const char *jinja__intern(struct jinja_env *env, const char *s, size_t n)
{
	char tmp[256];
	char *k = n < sizeof(tmp) ? tmp : xmalloc(n + 1);
	memcpy(k, s, n);
	k[n] = 0;
	const char *r = strmap_get(&env->intern, k);
	if (!r) {
		char *c = arena_strndup(env->arena, s, n);
		strmap_put(&env->intern, c, c);
		r = c;
	}
	if (k != tmp)
		free(k);
	return r;
}

static const char *tok_name(struct parser *p, const struct tok *t)
{
	return jinja__intern(p->env, t->s, t->n);
}

#define NODES VEC(struct jnode *)

static struct jnode **freeze(struct parser *p, struct jnode **items, size_t n)
{
	struct jnode **a = arena_alloc(p->a, (n ? n : 1) * sizeof(*a));
	if (n)
		memcpy(a, items, n * sizeof(*a));
	return a;
}

static struct jnode *parse_expr(struct parser *p);
static struct jnode *parse_unary(struct parser *p, bool with_filter);
static struct jnode *parse_tuple(struct parser *p, bool simplified, bool with_cond, bool explicit_paren);
static struct jnode *parse_or(struct parser *p);

static struct jnode *mk_const(struct parser *p, const struct tok *t, struct jinja_value v)
{
	struct jnode *n = nn(p, N_CONST, t);
	n->val = v;
	return n;
}

static struct jargs *parse_call_args(struct parser *p)
{
	/* at '(' */
	struct jargs *a = arena_zalloc(p->a, sizeof(*a));
	NODES pos = VEC_INIT, kw = VEC_INIT;
	VEC(const char *) kwn = VEC_INIT;
	struct jargs *res = NULL;
	next(p);
	bool first = true;
	while (!is_op(cur(p), ")")) {
		if (!first && expect_op(p, ","))
			goto out;
		if (is_op(cur(p), ")"))
			break;
		first = false;
		if (is_op(cur(p), "*")) {
			next(p);
			if (!(a->star = parse_expr(p)))
				goto out;
		} else if (is_op(cur(p), "**")) {
			next(p);
			if (!(a->dstar = parse_expr(p)))
				goto out;
		} else if (cur(p)->type == T_NAME && is_op(peek(p, 1), "=")) {
			const char *nm = tok_name(p, cur(p));
			next(p);
			next(p);
			struct jnode *v = parse_expr(p);
			if (!v)
				goto out;
			vec_push(&kwn, nm);
			vec_push(&kw, v);
		} else {
			if (kw.len || a->star || a->dstar) {
				perr_at(p, cur(p)->line, cur(p)->col, "invalid syntax for function call expression");
				goto out;
			}
			struct jnode *v = parse_expr(p);
			if (!v)
				goto out;
			vec_push(&pos, v);
		}
	}
	next(p);
	a->pos = freeze(p, pos.items, pos.len);
	a->npos = (uint32_t)pos.len;
	a->kw = freeze(p, kw.items, kw.len);
	a->nkw = (uint32_t)kw.len;
	a->kwnames = arena_alloc(p->a, (kwn.len ? kwn.len : 1) * sizeof(char *));
	if (kwn.len)
		memcpy(a->kwnames, kwn.items, kwn.len * sizeof(char *));
	res = a;
out:
	vec_free(&pos);
	vec_free(&kw);
	vec_free(&kwn);
	return res;
}

static struct jnode *parse_primary(struct parser *p)
{
	struct tok *t = cur(p);
	struct jnode *n = NULL;
	if (++p->depth > 200) {
		perr_at(p, t->line, t->col, "expression nested too deeply");
		return NULL;
	}
	switch (t->type) {
	case T_NAME:
		if (is_name(t, "true") || is_name(t, "True")) {
			n = mk_const(p, t, jinja_bool(true));
		} else if (is_name(t, "false") || is_name(t, "False")) {
			n = mk_const(p, t, jinja_bool(false));
		} else if (is_name(t, "none") || is_name(t, "None")) {
			n = mk_const(p, t, jinja_none());
		} else {
			n = nn(p, N_NAME, t);
			n->name = tok_name(p, t);
			n->hash = str_hash(n->name, t->n);
			n->n = (uint32_t)t->n;
			if (p->macro_flags) {
				if (is_name(t, "caller"))
					*p->macro_flags |= MF_CALLER;
				else if (is_name(t, "varargs"))
					*p->macro_flags |= MF_VARARGS;
				else if (is_name(t, "kwargs"))
					*p->macro_flags |= MF_KWARGS;
			}
		}
		next(p);
		break;
	case T_STR: {
		/* adjacent strings concatenate */
		struct buf b = BUF_INIT;
		struct tok *first = t;
		while (cur(p)->type == T_STR) {
			buf_add(&b, cur(p)->s, cur(p)->n);
			next(p);
		}
		n = mk_const(p, first, jinja_str(p->a, buf_cstr(&b), b.len));
		buf_free(&b);
		break;
	}
	case T_INT: n = mk_const(p, t, jinja_int(t->i)); next(p); break;
	case T_FLOAT: n = mk_const(p, t, jinja_float(t->f)); next(p); break;
	case T_OP:
		if (is_op(t, "(")) {
			next(p);
			n = parse_tuple(p, false, true, true);
			if (n && expect_op(p, ")"))
				n = NULL;
		} else if (is_op(t, "[")) {
			NODES items = VEC_INIT;
			next(p);
			bool ok = true;
			while (!is_op(cur(p), "]")) {
				if (items.len && expect_op(p, ",")) {
					ok = false;
					break;
				}
				if (is_op(cur(p), "]"))
					break;
				struct jnode *x = parse_expr(p);
				if (!x) {
					ok = false;
					break;
				}
				vec_push(&items, x);
			}
			if (ok) {
				next(p);
				n = nn(p, N_LIST, t);
				n->items = freeze(p, items.items, items.len);
				n->n = (uint32_t)items.len;
			}
			vec_free(&items);
		} else if (is_op(t, "{")) {
			NODES items = VEC_INIT;
			next(p);
			bool ok = true;
			while (!is_op(cur(p), "}")) {
				if (items.len && expect_op(p, ",")) {
					ok = false;
					break;
				}
				if (is_op(cur(p), "}"))
					break;
				struct jnode *k = parse_expr(p), *v = NULL;
				if (!k || expect_op(p, ":") || !(v = parse_expr(p))) {
					ok = false;
					break;
				}
				vec_push(&items, k);
				vec_push(&items, v);
			}
			if (ok) {
				next(p);
				n = nn(p, N_DICT, t);
				n->items = freeze(p, items.items, items.len);
				n->n = (uint32_t)items.len;
			}
			vec_free(&items);
		} else {
			perr_at(p, t->line, t->col, "unexpected %s, expected an expression", tok_desc(p, t));
		}
		break;
	default:
		perr_at(p, t->line, t->col, "unexpected %s, expected an expression", tok_desc(p, t));
	}
	p->depth--;
	return n;
}

static struct jnode *parse_subscript_arg(struct parser *p)
{
	struct tok *t = cur(p);
	struct jnode *parts[3] = {NULL, NULL, NULL};
	if (is_op(t, ":")) {
		/* slice with no start */
	} else {
		struct jnode *x = parse_expr(p);
		if (!x)
			return NULL;
		if (!is_op(cur(p), ":"))
			return x;
		parts[0] = x;
	}
	next(p); /* ':' */
	if (!is_op(cur(p), "]") && !is_op(cur(p), ",") && !is_op(cur(p), ":")) {
		if (!(parts[1] = parse_expr(p)))
			return NULL;
	}
	if (is_op(cur(p), ":")) {
		next(p);
		if (!is_op(cur(p), "]") && !is_op(cur(p), ",")) {
			if (!(parts[2] = parse_expr(p)))
				return NULL;
		}
	}
	struct jnode *s = nn(p, N_SLICE, t);
	s->b = parts[0];
	s->c = parts[1];
	s->d = parts[2];
	return s;
}

static struct jnode *parse_postfix(struct parser *p, struct jnode *node)
{
	for (;;) {
		struct tok *t = cur(p);
		if (is_op(t, ".")) {
			next(p);
			struct tok *a = cur(p);
			if (a->type == T_NAME) {
				struct jnode *g = nn(p, N_GETATTR, a);
				g->line = node->line;
				g->col = node->col;
				g->a = node;
				g->name = tok_name(p, a);
				g->n = (uint32_t)a->n;
				g->hash = str_hash(g->name, a->n);
				g->op = (uint8_t)jinja__method_mask(g->name);
				g->flag = (uint8_t)jinja__loop_attr_code(g->name);
				node = g;
				next(p);
			} else if (a->type == T_INT) {
				struct jnode *g = nn(p, N_GETITEM, a);
				g->line = node->line;
				g->col = node->col;
				g->a = node;
				g->b = mk_const(p, a, jinja_int(a->i));
				node = g;
				next(p);
			} else {
				perr_at(p, a->line, a->col, "expected name or number after '.'");
				return NULL;
			}
		} else if (is_op(t, "[")) {
			next(p);
			NODES idx = VEC_INIT;
			bool ok = true;
			while (!is_op(cur(p), "]")) {
				if (idx.len && expect_op(p, ",")) {
					ok = false;
					break;
				}
				if (is_op(cur(p), "]"))
					break;
				struct jnode *x = parse_subscript_arg(p);
				if (!x) {
					ok = false;
					break;
				}
				vec_push(&idx, x);
			}
			if (ok && !idx.len) {
				perr_at(p, t->line, t->col, "expected a subscript");
				ok = false;
			}
			if (!ok) {
				vec_free(&idx);
				return NULL;
			}
			next(p);
			struct jnode *key;
			if (idx.len == 1) {
				key = idx.items[0];
			} else {
				key = nn(p, N_TUPLE, t);
				key->items = freeze(p, idx.items, idx.len);
				key->n = (uint32_t)idx.len;
			}
			vec_free(&idx);
			if (key->kind == N_SLICE) {
				key->a = node;
				node = key;
			} else {
				struct jnode *g = nn(p, N_GETITEM, t);
				g->line = node->line;
				g->col = node->col;
				g->a = node;
				g->b = key;
				node = g;
			}
		} else if (is_op(t, "(")) {
			struct jnode *c = nn(p, N_CALL, t);
			c->line = node->line;
			c->col = node->col;
			c->a = node;
			if (!(c->args = parse_call_args(p)))
				return NULL;
			node = c;
		} else {
			return node;
		}
	}
}

static struct jnode *parse_filter(struct parser *p, struct jnode *node, bool start_inline)
{
	while (is_op(cur(p), "|") || start_inline) {
		if (!start_inline)
			next(p);
		start_inline = false;
		struct tok *t = cur(p);
		if (t->type != T_NAME) {
			perr_at(p, t->line, t->col, "expected a filter name, got %s", tok_desc(p, t));
			return NULL;
		}
		struct buf nm = BUF_INIT;
		buf_add(&nm, t->s, t->n);
		next(p);
		while (is_op(cur(p), ".") && peek(p, 1)->type == T_NAME) {
			buf_putc(&nm, '.');
			buf_add(&nm, peek(p, 1)->s, peek(p, 1)->n);
			next(p);
			next(p);
		}
		struct jnode *f = nn(p, N_FILTER, t);
		f->name = jinja__intern(p->env, buf_cstr(&nm), nm.len);
		f->fn = strmap_get(&p->env->filters, f->name);
		buf_free(&nm);
		f->a = node;
		if (is_op(cur(p), "(")) {
			if (!(f->args = parse_call_args(p)))
				return NULL;
		}
		node = f;
	}
	return node;
}

static struct jnode *parse_test(struct parser *p, struct jnode *node)
{
	struct tok *t = cur(p); /* 'is' */
	next(p);
	bool neg = false;
	if (is_name(cur(p), "not")) {
		neg = true;
		next(p);
	}
	struct tok *nt = cur(p);
	if (nt->type != T_NAME) {
		perr_at(p, nt->line, nt->col, "expected a test name after 'is', got %s", tok_desc(p, nt));
		return NULL;
	}
	struct buf nm = BUF_INIT;
	buf_add(&nm, nt->s, nt->n);
	next(p);
	while (is_op(cur(p), ".") && peek(p, 1)->type == T_NAME) {
		buf_putc(&nm, '.');
		buf_add(&nm, peek(p, 1)->s, peek(p, 1)->n);
		next(p);
		next(p);
	}
	struct jnode *tn = nn(p, N_TEST, t);
	tn->name = jinja__intern(p->env, buf_cstr(&nm), nm.len);
	tn->fn = strmap_get(&p->env->tests, tn->name);
	buf_free(&nm);
	tn->a = node;
	tn->flag = neg;
	struct tok *c = cur(p);
	if (is_op(c, "(")) {
		if (!(tn->args = parse_call_args(p)))
			return NULL;
	} else if ((c->type == T_NAME || c->type == T_STR || c->type == T_INT || c->type == T_FLOAT ||
		    is_op(c, "[") || is_op(c, "{")) &&
		   !is_name(c, "else") && !is_name(c, "or") && !is_name(c, "and")) {
		if (is_name(c, "is")) {
			perr_at(p, c->line, c->col, "you cannot chain multiple tests with is");
			return NULL;
		}
		struct jnode *arg = parse_primary(p);
		if (!arg || !(arg = parse_postfix(p, arg)))
			return NULL;
		tn->args = arena_zalloc(p->a, sizeof(struct jargs));
		tn->args->pos = freeze(p, &arg, 1);
		tn->args->npos = 1;
	}
	return tn;
}

static struct jnode *parse_filter_expr(struct parser *p, struct jnode *node)
{
	for (;;) {
		if (!node)
			return NULL;
		if (is_op(cur(p), "|"))
			node = parse_filter(p, node, false);
		else if (is_name(cur(p), "is"))
			node = parse_test(p, node);
		else if (is_op(cur(p), "(")) {
			struct jnode *c = nn(p, N_CALL, cur(p));
			c->a = node;
			if (!(c->args = parse_call_args(p)))
				return NULL;
			node = c;
		} else
			return node;
	}
}

static struct jnode *parse_unary(struct parser *p, bool with_filter)
{
	struct tok *t = cur(p);
	struct jnode *node;
	if (++p->depth > 200) {
		perr_at(p, t->line, t->col, "expression nested too deeply");
		return NULL;
	}
	if (is_op(t, "-") || is_op(t, "+")) {
		next(p);
		struct jnode *x = parse_unary(p, false);
		if (!x)
			return NULL;
		node = nn(p, is_op(t, "-") ? N_NEG : N_POS, t);
		node->a = x;
	} else {
		node = parse_primary(p);
	}
	p->depth--;
	if (!node || !(node = parse_postfix(p, node)))
		return NULL;
	if (with_filter)
		node = parse_filter_expr(p, node);
	return node;
}

static struct jnode *binop(struct parser *p, const struct tok *t, int op, struct jnode *l, struct jnode *r)
{
	struct jnode *n = nn(p, N_BINOP, t);
	n->op = (uint8_t)op;
	n->a = l;
	n->b = r;
	return n;
}

static struct jnode *parse_pow(struct parser *p)
{
	struct jnode *l = parse_unary(p, true);
	while (l && is_op(cur(p), "**")) {
		struct tok *t = cur(p);
		next(p);
		struct jnode *r = parse_unary(p, true);
		if (!r)
			return NULL;
		l = binop(p, t, OP_POW, l, r);
	}
	return l;
}

static struct jnode *parse_math2(struct parser *p)
{
	struct jnode *l = parse_pow(p);
	for (;;) {
		struct tok *t = cur(p);
		int op = is_op(t, "*") ? OP_MUL : is_op(t, "/") ? OP_DIV : is_op(t, "//") ? OP_FLOORDIV
			 : is_op(t, "%") ? OP_MOD : -1;
		if (!l || op < 0)
			return l;
		next(p);
		struct jnode *r = parse_pow(p);
		if (!r)
			return NULL;
		l = binop(p, t, op, l, r);
	}
}

static struct jnode *parse_concat(struct parser *p)
{
	struct jnode *l = parse_math2(p);
	if (!l || !is_op(cur(p), "~"))
		return l;
	NODES parts = VEC_INIT;
	struct tok *t = cur(p);
	vec_push(&parts, l);
	while (is_op(cur(p), "~")) {
		next(p);
		struct jnode *r = parse_math2(p);
		if (!r) {
			vec_free(&parts);
			return NULL;
		}
		vec_push(&parts, r);
	}
	struct jnode *n = nn(p, N_CONCAT, t);
	n->items = freeze(p, parts.items, parts.len);
	n->n = (uint32_t)parts.len;
	vec_free(&parts);
	return n;
}

static struct jnode *parse_math1(struct parser *p)
{
	struct jnode *l = parse_concat(p);
	for (;;) {
		struct tok *t = cur(p);
		int op = is_op(t, "+") ? OP_ADD : is_op(t, "-") ? OP_SUB : -1;
		if (!l || op < 0)
			return l;
		next(p);
		struct jnode *r = parse_concat(p);
		if (!r)
			return NULL;
		l = binop(p, t, op, l, r);
	}
}

static struct jnode *parse_compare(struct parser *p)
{
	struct tok *t0 = cur(p);
	struct jnode *l = parse_math1(p);
	if (!l)
		return NULL;
	NODES ops_n = VEC_INIT;
	VEC(uint8_t) ops = VEC_INIT;
	vec_push(&ops_n, l);
	for (;;) {
		struct tok *t = cur(p);
		int op = -1;
		if (is_op(t, "==")) op = OP_EQ;
		else if (is_op(t, "!=")) op = OP_NE;
		else if (is_op(t, "<")) op = OP_LT;
		else if (is_op(t, "<=")) op = OP_LE;
		else if (is_op(t, ">")) op = OP_GT;
		else if (is_op(t, ">=")) op = OP_GE;
		else if (is_name(t, "in")) op = OP_IN;
		else if (is_name(t, "not") && is_name(peek(p, 1), "in")) {
			op = OP_NOTIN;
			next(p);
		}
		if (op < 0)
			break;
		next(p);
		struct jnode *r = parse_math1(p);
		if (!r) {
			vec_free(&ops_n);
			vec_free(&ops);
			return NULL;
		}
		vec_push(&ops, (uint8_t)op);
		vec_push(&ops_n, r);
	}
	if (!ops.len) {
		vec_free(&ops_n);
		vec_free(&ops);
		return l;
	}
	struct jnode *n = nn(p, N_COMPARE, t0);
	n->items = freeze(p, ops_n.items, ops_n.len);
	n->n = (uint32_t)ops.len;
	n->ops = arena_alloc(p->a, ops.len);
	memcpy(n->ops, ops.items, ops.len);
	vec_free(&ops_n);
	vec_free(&ops);
	return n;
}

static struct jnode *parse_not(struct parser *p)
{
	struct tok *t = cur(p);
	if (is_name(t, "not")) {
		next(p);
		if (++p->depth > 200) {
			perr_at(p, t->line, t->col, "expression nested too deeply");
			return NULL;
		}
		struct jnode *x = parse_not(p);
		p->depth--;
		if (!x)
			return NULL;
		struct jnode *n = nn(p, N_NOT, t);
		n->a = x;
		return n;
	}
	return parse_compare(p);
}

static struct jnode *parse_and(struct parser *p)
{
	struct jnode *l = parse_not(p);
	while (l && is_name(cur(p), "and")) {
		struct tok *t = cur(p);
		next(p);
		struct jnode *r = parse_not(p);
		if (!r)
			return NULL;
		struct jnode *n = nn(p, N_AND, t);
		n->a = l;
		n->b = r;
		l = n;
	}
	return l;
}

static struct jnode *parse_or(struct parser *p)
{
	struct jnode *l = parse_and(p);
	while (l && is_name(cur(p), "or")) {
		struct tok *t = cur(p);
		next(p);
		struct jnode *r = parse_and(p);
		if (!r)
			return NULL;
		struct jnode *n = nn(p, N_OR, t);
		n->a = l;
		n->b = r;
		l = n;
	}
	return l;
}

static struct jnode *parse_condexpr(struct parser *p, bool with_cond)
{
	struct jnode *e1 = parse_or(p);
	if (!with_cond)
		return e1;
	while (e1 && is_name(cur(p), "if")) {
		struct tok *t = cur(p);
		next(p);
		struct jnode *e2 = parse_or(p), *e3 = NULL;
		if (!e2)
			return NULL;
		if (is_name(cur(p), "else")) {
			next(p);
			if (!(e3 = parse_condexpr(p, true)))
				return NULL;
		}
		struct jnode *n = nn(p, N_COND, t);
		n->a = e2; /* condition */
		n->b = e1; /* then */
		n->c = e3; /* else (NULL → undefined) */
		e1 = n;
	}
	return e1;
}

static struct jnode *parse_expr(struct parser *p)
{
	if (++p->depth > 200) {
		perr_at(p, cur(p)->line, cur(p)->col, "expression nested too deeply");
		return NULL;
	}
	struct jnode *n = parse_condexpr(p, true);
	p->depth--;
	return n;
}

static bool tuple_end(struct parser *p)
{
	struct tok *t = cur(p);
	return t->type == T_VEND || t->type == T_BEND || t->type == T_EOF || is_op(t, ")") ||
	       is_op(t, "]") || is_op(t, "}") || is_op(t, "=") || is_name(t, "in");
}

/* simplified: names only (for/set targets). */
static struct jnode *parse_tuple(struct parser *p, bool simplified, bool with_cond, bool explicit_paren)
{
	struct tok *t = cur(p);
	NODES items = VEC_INIT;
	bool is_tuple = false;
	struct jnode *res = NULL;
	for (;;) {
		if (items.len) {
			if (!is_op(cur(p), ","))
				break;
			next(p);
			is_tuple = true;
		}
		if (tuple_end(p))
			break;
		struct jnode *x;
		if (simplified) {
			struct tok *nt = cur(p);
			if (nt->type == T_NAME) {
				x = parse_primary(p);
			} else if (is_op(nt, "(")) {
				next(p);
				x = parse_tuple(p, true, false, true);
				if (x && expect_op(p, ")"))
					x = NULL;
			} else {
				perr_at(p, nt->line, nt->col, "expected a name, got %s", tok_desc(p, nt));
				x = NULL;
			}
		} else {
			x = with_cond ? parse_expr(p) : parse_condexpr(p, false);
		}
		if (!x)
			goto out;
		vec_push(&items, x);
	}
	if (!is_tuple) {
		if (items.len) {
			res = items.items[0];
			goto out;
		}
		if (!explicit_paren) {
			perr_at(p, cur(p)->line, cur(p)->col, "expected an expression, got %s", tok_desc(p, cur(p)));
			goto out;
		}
	}
	res = nn(p, N_TUPLE, t);
	res->items = freeze(p, items.items, items.len);
	res->n = (uint32_t)items.len;
out:
	vec_free(&items);
	return res;
}

/* ----------------------------------------------------- statements */

static struct jnode *parse_body(struct parser *p, const char *const *ends);

static int expect_bend(struct parser *p)
{
	return expect_type(p, T_BEND, "end of statement block '%}'");
}

/* After parse_body stopped at an end tag: is it `name`? */
static bool at_tag(struct parser *p, const char *name)
{
	return is_name(cur(p), name);
}

static int parse_assign_target(struct parser *p, struct jnode **out)
{
	struct tok *t = cur(p);
	if (t->type == T_NAME && is_op(peek(p, 1), ".") && peek(p, 2)->type == T_NAME) {
		/* ns.attr */
		struct jnode *g = nn(p, N_GETATTR, peek(p, 2));
		g->a = parse_primary(p);
		next(p);
		g->name = tok_name(p, cur(p));
		next(p);
		*out = g;
		return 0;
	}
	*out = parse_tuple(p, true, false, false);
	return *out ? 0 : ING_EPARSE;
}

static int parse_macro_sig(struct parser *p, struct jnode *m)
{
	VEC(const char *) names = VEC_INIT;
	NODES defs = VEC_INIT;
	int rc = ING_EPARSE;
	if (expect_op(p, "("))
		goto out;
	while (!is_op(cur(p), ")")) {
		if (names.len && expect_op(p, ","))
			goto out;
		if (is_op(cur(p), ")"))
			break;
		struct tok *t = cur(p);
		if (t->type != T_NAME) {
			perr_at(p, t->line, t->col, "expected a parameter name, got %s", tok_desc(p, t));
			goto out;
		}
		vec_push(&names, tok_name(p, t));
		next(p);
		struct jnode *d = NULL;
		if (is_op(cur(p), "=")) {
			next(p);
			if (!(d = parse_expr(p)))
				goto out;
		} else if (defs.len && defs.items[defs.len - 1]) {
			perr_at(p, t->line, t->col, "non-default argument follows default argument");
			goto out;
		}
		vec_push(&defs, d);
	}
	next(p);
	m->params = arena_alloc(p->a, (names.len ? names.len : 1) * sizeof(char *));
	if (names.len)
		memcpy(m->params, names.items, names.len * sizeof(char *));
	m->defaults = freeze(p, defs.items, defs.len);
	m->nparams = (uint32_t)names.len;
	rc = 0;
out:
	vec_free(&names);
	vec_free(&defs);
	return rc;
}

static struct jnode *parse_macro_like(struct parser *p, struct tok *t, int kind, const char *endtag)
{
	struct jnode *m = nn(p, kind, t);
	if (cur(p)->type != T_NAME) {
		perr_at(p, cur(p)->line, cur(p)->col, "expected a macro name, got %s", tok_desc(p, cur(p)));
		return NULL;
	}
	m->name = tok_name(p, cur(p));
	next(p);
	if (parse_macro_sig(p, m) || expect_bend(p))
		return NULL;
	uint8_t *saved = p->macro_flags;
	int saved_loops = p->loops;
	p->loops = 0; /* a macro body is a function: break/continue cannot leave it */
	p->macro_flags = &m->flag;
	const char *ends[] = {endtag, NULL};
	m->a = parse_body(p, ends);
	p->macro_flags = saved;
	p->loops = saved_loops;
	if (!m->a)
		return NULL;
	next(p); /* end tag name */
	if (expect_bend(p))
		return NULL;
	return m;
}

static struct jnode *parse_custom(struct parser *p, struct tok *t, const char *tag, int form)
{
	struct jinja_block *blk = arena_zalloc(p->a, sizeof(*blk));
	blk->tag = tag;
	blk->line = t->line;
	blk->kwargs = jinja_dict_new(p->env->arena);
	char *endtag = arena_printf(p->a, "end%s", tag);
	const char *iend = jinja__intern(p->env, endtag, strlen(endtag));
	struct jnode *c = nn(p, N_CUSTOM, t);
	c->block = blk;
	struct jnode *m = nn(p, N_MACRO, t);
	if (form == JINJA_TAG_MACRO) {
		if (cur(p)->type != T_NAME) {
			perr_at(p, cur(p)->line, cur(p)->col, "expected a name after '%s'", tag);
			return NULL;
		}
		m->name = tok_name(p, cur(p));
		next(p);
		if (parse_macro_sig(p, m))
			return NULL;
	} else {
		struct tok *nt = cur(p);
		if (nt->type != T_NAME && nt->type != T_STR) {
			perr_at(p, nt->line, nt->col, "expected a name after '%s'", tag);
			return NULL;
		}
		m->name = nt->type == T_NAME ? tok_name(p, nt) : jinja__intern(p->env, nt->s, nt->n);
		next(p);
		m->params = arena_alloc(p->a, sizeof(char *));
		m->defaults = arena_alloc(p->a, sizeof(struct jnode *));
		while (is_op(cur(p), ",")) {
			next(p);
			struct tok *kt = cur(p);
			if (kt->type != T_NAME || !is_op(peek(p, 1), "=")) {
				perr_at(p, kt->line, kt->col, "expected key=value after '%s %s'", tag, m->name);
				return NULL;
			}
			next(p);
			next(p);
			struct jnode *v = parse_expr(p);
			if (!v)
				return NULL;
			if (v->kind != N_CONST) {
				perr_at(p, v->line, v->col, "expected a constant value for '%.*s'", (int)kt->n, kt->s);
				return NULL;
			}
			jinja_dict_set(blk->kwargs, jinja_str(p->env->arena, kt->s, kt->n),
				       jinja_value_copy(p->env->arena, v->val));
		}
	}
	if (expect_bend(p))
		return NULL;
	const char *body_start = cur(p)->s;
	uint8_t *saved = p->macro_flags;
	int saved_loops = p->loops;
	p->loops = 0; /* a macro body is a function: break/continue cannot leave it */
	p->macro_flags = &m->flag;
	const char *ends[] = {iend, NULL};
	m->a = parse_body(p, ends);
	p->macro_flags = saved;
	p->loops = saved_loops;
	if (!m->a)
		return NULL;
	/* raw text: from the first body token to the '{%' before the end tag */
	const char *body_end = p->toks.items[p->pos - 1].s;
	if (!body_start || body_end < body_start)
		body_end = body_start;
	blk->name = m->name;
	blk->raw = arena_strndup(p->env->arena, body_start ? body_start : "", (size_t)(body_end - body_start));
	blk->raw_len = strlen(blk->raw);
	next(p);
	if (expect_bend(p))
		return NULL;
	struct jinja_macro *mac = arena_zalloc(p->env->arena, sizeof(*mac));
	mac->name = m->name;
	mac->node = m;
	mac->tpl = p->t;
	blk->macro = (struct jinja_value){.type = JINJA_MACRO, .u.macro = mac};
	if (form == JINJA_TAG_NAMED) {
		struct jinja_template *bt = arena_zalloc(p->env->arena, sizeof(*bt));
		bt->env = p->env;
		bt->name = arena_printf(p->env->arena, "%s:%s", p->t->name, m->name);
		bt->path = p->t->path;
		bt->src = p->t->src;
		bt->len = p->t->len;
		bt->arena = p->t->arena;
		bt->root = m->a;
		blk->body = bt;
	}
	vec_push(&p->t->blocks, blk);
	return c;
}

static struct jnode *parse_stmt(struct parser *p)
{
	struct tok *bt = cur(p); /* '{%' */
	next(p);
	struct tok *t = cur(p);
	if (t->type != T_NAME) {
		perr_at(p, t->line, t->col, "expected a tag name, got %s", tok_desc(p, t));
		return NULL;
	}
	(void)bt;
	if (is_name(t, "if")) {
		next(p);
		struct jnode *n = nn(p, N_IF, t), *top = n;
		for (;;) {
			if (!(n->a = parse_tuple(p, false, true, false)) || expect_bend(p))
				return NULL;
			static const char *const ends[] = {"elif", "else", "endif", NULL};
			if (!(n->b = parse_body(p, ends)))
				return NULL;
			if (at_tag(p, "elif")) {
				struct jnode *e = nn(p, N_IF, cur(p));
				next(p);
				n->c = e;
				n = e;
				continue;
			}
			if (at_tag(p, "else")) {
				next(p);
				if (expect_bend(p))
					return NULL;
				static const char *const ends2[] = {"endif", NULL};
				if (!(n->c = parse_body(p, ends2)))
					return NULL;
			}
			next(p);
			if (expect_bend(p))
				return NULL;
			return top;
		}
	}
	if (is_name(t, "for")) {
		next(p);
		struct jnode *n = nn(p, N_FOR, t);
		if (!(n->a = parse_tuple(p, true, false, false)))
			return NULL;
		if (!is_name(cur(p), "in")) {
			perr_at(p, cur(p)->line, cur(p)->col, "expected 'in', got %s", tok_desc(p, cur(p)));
			return NULL;
		}
		next(p);
		if (!(n->b = parse_tuple(p, false, false, false)))
			return NULL;
		if (is_name(cur(p), "if")) {
			next(p);
			if (!(n->c = parse_expr(p)))
				return NULL;
		}
		if (is_name(cur(p), "recursive")) {
			n->flag = 1;
			next(p);
		}
		if (expect_bend(p))
			return NULL;
		static const char *const ends[] = {"endfor", "else", NULL};
		p->loops++;
		n->d = parse_body(p, ends);
		p->loops--;
		if (!n->d)
			return NULL;
		if (at_tag(p, "else")) {
			next(p);
			if (expect_bend(p))
				return NULL;
			static const char *const ends2[] = {"endfor", NULL};
			struct jnode *e = parse_body(p, ends2);
			if (!e)
				return NULL;
			n->next = e;
		}
		next(p);
		if (expect_bend(p))
			return NULL;
		return n;
	}
	if (is_name(t, "set")) {
		next(p);
		struct jnode *target;
		if (parse_assign_target(p, &target))
			return NULL;
		if (is_op(cur(p), "=")) {
			next(p);
			struct jnode *n = nn(p, N_SET, t);
			n->a = target;
			if (!(n->b = parse_tuple(p, false, true, false)) || expect_bend(p))
				return NULL;
			return n;
		}
		struct jnode *n = nn(p, N_SETBLOCK, t);
		n->a = target;
		if (is_op(cur(p), "|")) {
			if (!(n->next = parse_filter(p, NULL, false)))
				return NULL;
		}
		if (expect_bend(p))
			return NULL;
		static const char *const ends[] = {"endset", NULL};
		if (!(n->b = parse_body(p, ends)))
			return NULL;
		next(p);
		if (expect_bend(p))
			return NULL;
		return n;
	}
	if (is_name(t, "macro")) {
		next(p);
		return parse_macro_like(p, t, N_MACRO, "endmacro");
	}
	if (is_name(t, "call")) {
		next(p);
		struct jnode *n = nn(p, N_CALLBLOCK, t);
		if (is_op(cur(p), "(")) {
			n->name = jinja__intern(p->env, "caller", 6);
			if (parse_macro_sig(p, n))
				return NULL;
		} else {
			n->name = jinja__intern(p->env, "caller", 6);
			n->params = arena_alloc(p->a, sizeof(char *));
			n->defaults = arena_alloc(p->a, sizeof(struct jnode *));
		}
		struct jnode *call = parse_expr(p);
		if (!call)
			return NULL;
		if (call->kind != N_CALL) {
			perr_at(p, call->line, call->col, "expected a call expression after 'call'");
			return NULL;
		}
		n->b = call;
		if (expect_bend(p))
			return NULL;
		static const char *const ends[] = {"endcall", NULL};
		uint8_t *saved = p->macro_flags;
		int saved_loops = p->loops;
		p->loops = 0;
		p->macro_flags = &n->flag;
		n->a = parse_body(p, ends);
		p->macro_flags = saved;
		p->loops = saved_loops;
		if (!n->a)
			return NULL;
		next(p);
		if (expect_bend(p))
			return NULL;
		return n;
	}
	if (is_name(t, "filter")) {
		next(p);
		struct jnode *n = nn(p, N_FILTERBLOCK, t);
		if (!(n->next = parse_filter(p, NULL, true)) || expect_bend(p))
			return NULL;
		static const char *const ends[] = {"endfilter", NULL};
		if (!(n->a = parse_body(p, ends)))
			return NULL;
		next(p);
		if (expect_bend(p))
			return NULL;
		return n;
	}
	if (is_name(t, "with")) {
		/* {% with a = 1, b = 2 %}body{% endwith %}: values from the outer scope */
		next(p);
		struct jnode *n = nn(p, N_WITH, t);
		NODES pairs = VEC_INIT;
		while (cur(p)->type != T_BEND) {
			struct jnode *target, *val;
			if (pairs.len && expect_op(p, ",")) {
				vec_free(&pairs);
				return NULL;
			}
			if (parse_assign_target(p, &target) || expect_op(p, "=") || !(val = parse_expr(p))) {
				vec_free(&pairs);
				return NULL;
			}
			vec_push(&pairs, target);
			vec_push(&pairs, val);
		}
		n->items = freeze(p, pairs.items, pairs.len);
		n->n = (uint32_t)pairs.len;
		vec_free(&pairs);
		next(p);
		static const char *const ends[] = {"endwith", NULL};
		if (!(n->a = parse_body(p, ends)))
			return NULL;
		next(p);
		if (expect_bend(p))
			return NULL;
		return n;
	}
	if (is_name(t, "break") || is_name(t, "continue")) {
		/* jinja2.ext.loopcontrols (dbt enables it) */
		bool brk = is_name(t, "break");
		if (!p->loops) {
			perr_at(p, t->line, t->col, "'%s' outside loop", brk ? "break" : "continue");
			return NULL;
		}
		next(p);
		struct jnode *n = nn(p, brk ? N_BREAK : N_CONTINUE, t);
		if (expect_bend(p))
			return NULL;
		return n;
	}
	if (is_name(t, "do")) {
		next(p);
		struct jnode *n = nn(p, N_DO, t);
		if (!(n->a = parse_tuple(p, false, true, false)) || expect_bend(p))
			return NULL;
		return n;
	}
	char tag[64];
	if (t->n < sizeof(tag)) {
		memcpy(tag, t->s, t->n);
		tag[t->n] = 0;
		void *form = strmap_get(&p->env->block_tags, tag);
		if (form) {
			next(p);
			return parse_custom(p, t, jinja__intern(p->env, t->s, t->n), (int)(intptr_t)form);
		}
	}
	perr_at(p, t->line, t->col, "encountered unknown tag '%.*s'", (int)t->n, t->s);
	return NULL;
}

/* Parse statements until `{% <one of ends>`; leaves cur at the end name. */
static struct jnode *parse_body(struct parser *p, const char *const *ends)
{
	NODES items = VEC_INIT;
	struct jnode *res = NULL;
	struct tok *start = cur(p);
	if (++p->depth > 200) {
		perr_at(p, start->line, start->col, "blocks nested too deeply");
		goto out;
	}
	for (;;) {
		struct tok *t = cur(p);
		if (t->type == T_EOF) {
			if (ends) {
				struct buf b = BUF_INIT;
				for (int i = 0; ends[i]; i++)
					buf_printf(&b, "%s'%s'", i ? " or " : "", ends[i]);
				perr_at(p, t->line, t->col, "unexpected end of template, expected %s", buf_cstr(&b));
				buf_free(&b);
				goto out;
			}
			break;
		}
		if (t->type == T_TEXT) {
			struct jnode *n = nn(p, N_TEXT, t);
			n->val = jinja_str_static(t->s, t->n);
			vec_push(&items, n);
			next(p);
		} else if (t->type == T_VBEGIN) {
			next(p);
			struct jnode *n = nn(p, N_EMIT, t);
			if (!(n->a = parse_tuple(p, false, true, false)))
				goto out;
			if (expect_type(p, T_VEND, "end of print statement '}}'"))
				goto out;
			vec_push(&items, n);
		} else if (t->type == T_BBEGIN) {
			struct tok *nt = peek(p, 1);
			bool is_end = false;
			if (ends)
				for (int i = 0; ends[i]; i++)
					if (is_name(nt, ends[i]))
						is_end = true;
			if (is_end) {
				next(p);
				break;
			}
			if (nt->type == T_NAME && nt->n > 3 && !memcmp(nt->s, "end", 3)) {
				perr_at(p, nt->line, nt->col, "unexpected '%.*s'%s", (int)nt->n, nt->s,
					ends ? "" : " (no block is open)");
				goto out;
			}
			if (nt->type == T_NAME && (is_name(nt, "else") || is_name(nt, "elif"))) {
				perr_at(p, nt->line, nt->col, "unexpected '%.*s'", (int)nt->n, nt->s);
				goto out;
			}
			struct jnode *s = parse_stmt(p);
			if (!s)
				goto out;
			vec_push(&items, s);
		} else {
			perr_at(p, t->line, t->col, "unexpected %s", tok_desc(p, t));
			goto out;
		}
	}
	res = nn(p, N_BODY, start);
	res->items = freeze(p, items.items, items.len);
	res->n = (uint32_t)items.len;
out:
	p->depth--;
	vec_free(&items);
	return res;
}

int jinja__parse(struct jinja_env *env, struct jinja_template *t, struct err *e)
{
	struct parser p = {.env = env, .t = t, .a = t->arena, .e = e};
	int rc = lex(&p);
	if (!rc) {
		t->root = parse_body(&p, NULL);
		rc = t->root ? 0 : ING_EPARSE;
	}
	vec_free(&p.toks);
	return rc;
}
