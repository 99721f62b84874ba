/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * link_user.c - a program written the way a user of ringview writes one:
 * only the installed umbrella header and the public API. test_link.sh
 * builds it against an installed copy (pkg-config, shared and static) and
 * as a meson subproject. Prints "ok" and exits 0 when everything holds.
 */
#include <ringview/ringview.h>

#include <stdio.h>
#include <string.h>

/* ringview/version.h comes with the umbrella header (through common.h). */
#if !RV_VERSION_AT_LEAST(0, 2, 0)
#error "ringview/version.h older than 0.2.0, the first release with it"
#endif

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			return 1;                                              \
		}                                                              \
	} while (0)

int main(void)
{
	struct rv_pool_config cfg = {.count = 4, .size = 4096};
	struct rv_pool_stats st;
	rv_pool *pool = NULL;
	rv_view v = RV_VIEW_INIT, word = RV_VIEW_INIT, head = RV_VIEW_INIT;
	rv_chain chain = RV_CHAIN_INIT, out = RV_CHAIN_INIT;
	rv_cursor cur;
	uint8_t *p;
	uint16_t u16;

	CHECK(rv_version() != NULL && rv_version()[0] != '\0');
	CHECK(strcmp(rv_version(), RV_VERSION_STRING) == 0);
	CHECK(rv_version_check(RV_VERSION_MAJOR, RV_VERSION_MINOR,
			       RV_VERSION_PATCH));
	CHECK(!rv_version_check(RV_VERSION_MAJOR + 1, 0, 0));
	CHECK(rv_strerror(-ENOBUFS) != NULL);
	CHECK(rv_pool_create(&cfg, &pool) == 0);

	/* A writable view of a whole buffer: fill it, keep what was written. */
	CHECK(rv_pool_get(pool, &v) == 0);
	CHECK(v.len >= 64);
	CHECK(rv_view_write(&v, 0, "hello world", 11) == 0);
	p = rv_view_mut(&v);
	CHECK(p != NULL);
	p[11] = '!';
	CHECK(rv_view_truncate(&v, 12) == 0);

	/* A subview: one more reference to the same bytes. */
	CHECK(rv_view_slice(&v, 6, 5, &word) == 0);
	CHECK(rv_view_eq(&word, "world", 5));
	CHECK(rv_view_slice(&v, 6, 7, &head) == -ERANGE);
	CHECK(rv_view_find(&v, 0, "wor", 3) == 6);
	rv_view_release(&word);
	CHECK(rv_view_is_null(&word));

	/* A chain owns what is appended; a cursor reads it. */
	CHECK(rv_chain_append(&chain, &v) == 0);
	CHECK(rv_view_is_null(&v));
	CHECK(rv_chain_len(&chain) == 12);
	rv_cursor_init_chain(&cur, &chain);
	CHECK(rv_cursor_get_u16be(&cur, &u16) == 0 && u16 == ('h' << 8 | 'e'));
	CHECK(rv_chain_take(&chain, 5, &out) == 0);
	CHECK(rv_chain_len(&out) == 5 && rv_chain_len(&chain) == 7);
	rv_chain_release(&out);
	rv_chain_release(&chain);

	rv_pool_stats(pool, &st);
	CHECK(st.total == 4);
	CHECK(st.free == st.total);
	CHECK(rv_pool_destroy(pool) == 0);

	puts("ok");
	return 0;
}
