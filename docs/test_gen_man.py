#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""test_gen_man.py - gen_man.py on small headers written here: which
comment documents which function, the pages it lists and writes, and the
failure, naming the function and its line, when one has no comment.

    test_gen_man.py GEN_MAN   exit 0 when every check holds, else 1
"""
import os
import subprocess
import sys
import tempfile

DOCUMENTED = """\
/*
 * SPDX-License-Identifier: MIT
 * Copyright 2026 the ringview authors
 *
 * ringview/demo.h - a demo header.
 */
#ifndef DEMO_H
#define DEMO_H

/* rv_demo_open makes a demo. -EINVAL when |n| is 0; -ENOMEM. */
#define RV_DEMO_MAX 16
RV_EXPORT int rv_demo_open(int n,
			   struct demo **out);

/* rv_demo_len: bytes in |d|. rv_demo_count: items in |d|. */
static inline size_t rv_demo_len(const struct demo *d)
{
	return d->len;
}
static inline size_t rv_demo_count(const struct demo *d)
{
	return d->count;
}

/* rv_demo_take moves |n| bytes of |d| to |out|. Returns 0 or -ERANGE. */
#define rv_demo_take(d, n, out) rv__demo_take((d), (n), (out), RV__SITE)
RV_EXPORT int rv__demo_take(struct demo *d, size_t n, struct demo *out,
			    const char *site);

/* rv_demo_slice returns a slice. */
/* int rv_demo_slice(struct demo *d, size_t off); */

RV_EXPORT void rv__internal(void);
RV_EXPORT extern const int rv_demo_table;

#endif
"""

UNDOCUMENTED = DOCUMENTED.replace(
    "#endif\n", "/* A section. */\n\nRV_EXPORT void rv_demo_bare(int x);\n"
    "#endif\n")


def run(gen, *args):
    return subprocess.run([sys.executable, gen] + list(args),
                          capture_output=True, text=True)


def main(argv):
    gen = argv[0]
    failures = []

    def expect(cond, what):
        print(("ok    " if cond else "FAIL  ") + what)
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "demo.h")
        bad = os.path.join(tmp, "bad.h")
        with open(good, "w") as f:
            f.write(DOCUMENTED)
        with open(bad, "w") as f:
            f.write(UNDOCUMENTED)

        r = run(gen, "--list", good)
        names = r.stdout.split()
        expect(r.returncode == 0, "--list exits 0")
        expect(names == ["ringview.3", "rv_demo_count.3", "rv_demo_len.3",
                         "rv_demo_open.3", "rv_demo_slice.3",
                         "rv_demo_take.3"],
               "--list: the overview and each public function, no rv__ "
               "internals, no variables (got %s)" % names)

        out = os.path.join(tmp, "man")
        r = run(gen, "--outdir", out, "--version", "9.8.7", good)
        expect(r.returncode == 0, "--outdir exits 0 (%s)" % r.stderr.strip())
        pages = sorted(os.listdir(out)) if os.path.isdir(out) else []
        expect(pages == sorted(names), "the pages written are those listed")

        def page(name):
            with open(os.path.join(out, name + ".3")) as f:
                return f.read()
        take = page("rv_demo_take") if pages else ""
        expect("int rv_demo_take(struct demo *d, size_t n, struct demo *out);"
               in take, "a macro's prototype comes from the rv__ function "
               "it calls, without the site argument")
        expect(".B \\-ERANGE" in take and "RETURN VALUE" in take,
               "ERRORS and RETURN VALUE from the comment")
        opn = page("rv_demo_open") if pages else ""
        expect("int rv_demo_open(int n, struct demo **out);" in opn,
               "a prototype over two lines, with RV_EXPORT removed, past "
               "a #define of a constant")
        expect(".B \\-EINVAL" in opn and "Cannot allocate memory" in opn,
               "an errno alone in the comment is described by strerror")
        expect("#include <ringview/demo.h>" in opn, "SYNOPSIS has the header")
        expect("rv_demo_take\\fP(3)" in opn, "SEE ALSO has the other calls")
        expect("SPDX" not in page("ringview") if pages else False,
               "the license lines stay out of the overview")
        count = page("rv_demo_count") if pages else ""
        expect("rv_demo_count \\- items in d" in count,
               "a shared comment: each call's NAME from its own sentence")
        expect("size_t rv_demo_len(const struct demo *d);" in count,
               "a shared comment: the page shows the whole group")
        expect("int rv_demo_slice(struct demo *d, size_t off);" in
               (page("rv_demo_slice") if pages else ""),
               "a prototype in a comment declares a macro")

        r = run(gen, "--check", bad)
        expect(r.returncode == 1, "--check exits 1 for an undocumented call")
        expect("bad.h:%d: rv_demo_bare has no comment" %
               (UNDOCUMENTED.split("\n").index(
                   "RV_EXPORT void rv_demo_bare(int x);") + 1) in r.stderr,
               "the message names the function and its line (%s)" %
               r.stderr.strip().split("\n")[0])
        r = run(gen, "--outdir", os.path.join(tmp, "man2"), bad)
        expect(r.returncode == 1 and "rv_demo_bare" in r.stderr,
               "writing the pages fails the same way")

    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
