/*
 * The keyword tree as keepalived's lib/parser.c builds it: a root keyword, then
 * install_keyword adds to the last keyword at the current sublevel. Printed depth-first
 * as "SECTION PATH<TAB>KEYWORD", the path's words joined by " > ".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tree.h"

struct kw {
	const char *name;
	struct kw **sub;
	size_t nsub;
};

static struct kw root;
static int sublevel;
int prog_type = PROG_TYPE_BFD;
bool reload;

static struct kw *add(struct kw *parent, const char *name)
{
	struct kw *k = calloc(1, sizeof *k);
	k->name = name;
	parent->sub = realloc(parent->sub, (parent->nsub + 1) * sizeof *parent->sub);
	parent->sub[parent->nsub++] = k;
	return k;
}

void kw_root(const char *string)
{
	add(&root, string);
}

void kw_add(const char *string)
{
	struct kw *k = root.sub[root.nsub - 1];
	for (int i = 0; i < sublevel; i++)
		k = k->sub[k->nsub - 1];
	add(k, string);
}

vpp_t kw_sublevel(void)
{
	sublevel++;
	return NULL;
}

void kw_sublevel_end(void) { sublevel--; }

static void print(const struct kw *k, const char *path)
{
	for (size_t i = 0; i < k->nsub; i++) {
		const struct kw *s = k->sub[i];
		printf("%s\t%s\n", *path ? path : "(top)", s->name);
		if (s->nsub) {
			char next[1024];
			snprintf(next, sizeof next, "%s%s%s", path, *path ? " > " : "", s->name);
			print(s, next);
		}
	}
}

void print_keywords(void) { print(&root, ""); }
void ignore_handler(const vector_t *strvec) { (void)strvec; }
