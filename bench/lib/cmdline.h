/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * cmdline.h - strict command-line values for every bench program, the
 * baselines and loadgen included: plain C and nothing of ringview, since
 * the baselines are what a user writes without the library and must not
 * link it. What the examples' options.h does for them, with the program's
 * name first in each message (the bench programs run side by side in
 * scripts, whose logs must say which one refused what).
 *
 * A bad value is bad usage: the function says on stderr which option,
 * which value and what is allowed, and returns -EINVAL; the caller exits
 * 2. Option names are given without their dashes.
 */
#ifndef RINGVIEW_BENCH_CMDLINE_H
#define RINGVIEW_BENCH_CMDLINE_H

/* A whole number from |min| to |max| for the option --|name| of |prog|:
 * decimal digits only (strtoull alone takes " 5", "+5", "-5" as a huge
 * number, and "0x10" with base 0). 0 and *out set, or -EINVAL with *out
 * untouched. */
int bench_count_option(const char *prog, const char *name, const char *arg,
		       unsigned long long min, unsigned long long max,
		       unsigned long long *out);

/* The option --|name| came last, without the value it needs: say so, and
 * return -EINVAL. For programs that parse argv without getopt_long. */
int bench_missing_value(const char *prog, const char *name);

/* After the options: 0 when no argument is left at argv[first], else
 * -EINVAL after naming the first one (no bench program takes operands). */
int bench_no_operands(const char *prog, int argc, char **argv, int first);

/* --version: "PROGRAM ringview X.Y.Z" on stdout, as the examples print it.
 * |version| is rv_version() where the program links ringview, else the
 * RV_BENCH_VERSION that bench/meson.build passes from the project's
 * version. */
void bench_print_version(const char *prog, const char *version);

#endif /* RINGVIEW_BENCH_CMDLINE_H */
