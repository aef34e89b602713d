/*
 * Stubs of keepalived's lib/parser.h keyword registration, for generate.sh. Macros, so
 * that both the 2.2 calls and the later ones (which pass a data pointer, `VPP &x`, and
 * return one from install_sublevel) compile; the handlers and pointers are dropped.
 */
#include <stdbool.h>
#include <stddef.h>
typedef struct vector vector_t;
typedef void **vpp_t;
#define VPP (void **)
void kw_root(const char *string);
void kw_add(const char *string);
vpp_t kw_sublevel(void);
void kw_sublevel_end(void);
#define install_keyword_root(s, ...) kw_root(s)
#define install_keyword(s, ...) kw_add(s)
#define install_keyword_quoted(s, ...) kw_add(s)
#define install_sublevel(...) kw_sublevel()
#define install_sublevel_end(...) kw_sublevel_end()
#define install_root_end_handler(...) ((void)0)
#define install_sublevel_end_handler(...) ((void)0)
#define install_level_end_handler(...) ((void)0)
/* init_bfd_keywords picks its handlers by process; the BFD process's are the full set. */
enum { PROG_TYPE_PARENT, PROG_TYPE_VRRP, PROG_TYPE_CHECKER, PROG_TYPE_BFD };
extern int prog_type;
extern bool reload;
/* bfd_parser.c's handler for keywords another process owns. */
void ignore_handler(const vector_t *strvec);
