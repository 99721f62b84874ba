#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""spdx.py - the license line and the copyright line at the top of every
source file the project has written.

    scripts/spdx.py           add them where they are missing
    scripts/spdx.py --check   list the files without them; exit 1 if any

Files: *.c, *.h, *.h.in, *.py, *.sh, *.gp, meson.build, meson_options.txt
and .ci/run, as git lists them (tracked, or new and not ignored: build
directories and bench/results stay out); without git, a walk of the tree
that skips build*/, subprojects/ and bench/results/. Data such as
tests/fuzz/corpus/ is not source and is left alone.

Where the lines go: C files open with a comment, "/*" alone on its line
or "/* file.c - ..."; the two lines become the first lines of that
comment, a " *" line between them and the text. Other files take them
after the shebang, as "#" lines, joined to the comment that follows. A
file that already has SPDX-License-Identifier in its first lines is left
as it is, so running it again changes nothing.
"""
import os
import re
import subprocess
import sys

SPDX = "SPDX-License-Identifier: MIT"
COPYRIGHT = "Copyright 2026 the ringview authors"
C_FILES = re.compile(r"\.(c|h|h\.in)$")
HASH_FILES = re.compile(r"(\.(py|sh|gp)|(^|/)meson\.build|(^|/)meson_options"
                        r"\.txt|^\.ci/run)$")
SKIP_DIRS = re.compile(r"^(build[^/]*|subprojects|\.git|bench/results)(/|$)")


def files(root):
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "--cached", "--others",
             "--exclude-standard"], capture_output=True, text=True,
            check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        out = []
        for d, dirs, names in os.walk(root):
            rel = os.path.relpath(d, root)
            rel = "" if rel == "." else rel + "/"
            dirs[:] = [x for x in dirs if not SKIP_DIRS.match(rel + x)]
            out += [rel + n for n in names]
    return sorted(f for f in out if f and not SKIP_DIRS.match(f) and
                  (C_FILES.search(f) or HASH_FILES.search(f)) and
                  os.path.isfile(os.path.join(root, f)))


def has_spdx(text):
    return SPDX in "\n".join(text.split("\n")[:6])


def add_c(lines):
    first = lines[0] if lines else ""
    head = ["/*", " * " + SPDX, " * " + COPYRIGHT]
    if first.strip() == "/*":
        return head + [" *"] + lines[1:]
    m = re.match(r"^/\*\s*(.*?)\s*\*/\s*$", first)
    if m:  # a one-line comment grows into a block
        return head + [" *", " * " + m.group(1), " */"] + lines[1:]
    m = re.match(r"^/\*\s*(.*)$", first)
    if m:  # "/* text" that goes on over more lines
        return head + [" *", " * " + m.group(1)] + lines[1:]
    return head + [" */"] + lines


def add_hash(lines):
    out = []
    if lines and lines[0].startswith("#!"):
        out.append(lines[0])
        lines = lines[1:]
    out += ["# " + SPDX, "# " + COPYRIGHT]
    out.append("#" if lines and lines[0].startswith("#") else "")
    return out + lines


def main(argv):
    check = argv == ["--check"]
    if argv and not check:
        print("usage: scripts/spdx.py [--check]", file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    missing = 0
    for f in files(root):
        path = os.path.join(root, f)
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        if has_spdx(text):
            continue
        missing += 1
        if check:
            print("spdx: %s has no '%s' line at its top; run scripts/spdx.py"
                  % (f, SPDX))
            continue
        lines = text.split("\n")
        lines = add_c(lines) if C_FILES.search(f) else add_hash(lines)
        mode = os.stat(path).st_mode
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines))
        os.chmod(path, mode)
        print("spdx: %s" % f)
    if check:
        if missing == 0:
            print("spdx: every source file has its license line")
        return 1 if missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
