#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright 2026 the ringview authors

"""gen_man.py - ringview's man3 API reference, from the public headers.

    gen_man.py --outdir DIR [--version V] HEADER...   write the pages
    gen_man.py --list HEADER...                       the pages' file names
    gen_man.py --check HEADER...                      check, write nothing

One page per public function (rv_*, not the rv__ internals) - exported
(RV_EXPORT), inline, or a macro over an exported rv__ function - plus
ringview(3), an overview of every header and call. A page has NAME,
SYNOPSIS (the #include and the prototypes), DESCRIPTION (the comment),
RETURN VALUE and ERRORS (the comment's sentences that say them), NOTES for
inline functions and macros, and SEE ALSO (the header's other calls).

How a function's comment is found: the header is read as a sequence of
comments, declarations and other lines. A block comment documents the
declarations that follow it directly - no blank line, no other code in
between; a #define of a constant may sit between them, and a run of
declarations (each may be several lines, an inline definition with its
body) shares the comment above the first. A one-line comment holding a
prototype, "/* int rv_view_slice(...); */", declares a macro. A macro
"#define rv_x(...) rv__x(...)" takes its prototype from the rv__x it calls
when it passes its arguments through unchanged. A function declared more
than once (an inline prototype, later its definition) is documented by
its documented declaration.

Exit status: 0; 1 when a public function has no comment (each one named
with its header and line), a header cannot be read or, with --check and
groff installed, a page does not render without a warning; 2 for bad
usage.
"""
import argparse
import errno
import os
import re
import shutil
import subprocess
import sys

SECTION = "3"
NAME_RE = re.compile(r"\b(rv_[a-z0-9][a-z0-9_]*)\s*\(")
CALLEE_RE = re.compile(r"\b(rv__[a-z0-9_]+)\s*\(")
PROTO_COMMENT_RE = re.compile(
    r"^/\*\s*([A-Za-z_][\w \t*]*?\b(rv_[a-z0-9][a-z0-9_]*)\s*\([^()]*\)\s*;)(.*)\*/\s*$")
MACRO_RE = re.compile(r"^#\s*define\s+(rv_[a-z0-9][a-z0-9_]*)\(([^)]*)\)\s*(.*)$")
ERRNO_RE = re.compile(r"-(E[A-Z0-9]+)\b")
# "returns 0", "returns the offset", "Returns -ERANGE": what a call gives
# back, not when it comes back ("returns when every message ...").
RETURNS_RE = re.compile(
    r"\b[Rr]eturns?\s+(-|\||\d|true\b|false\b|NULL\b|the\b|a\b|an\b|"
    r"its\b|how\b|what\b|whether\b|which\b|one\b|zero\b)")
SPDX_RE = re.compile(r"^(SPDX-License-Identifier:|Copyright )")


class Decl:
    """One declaration of a public function."""

    def __init__(self, name, kind, proto, header, line, callee=None,
                 args=None):
        self.name = name      # rv_x
        self.kind = kind      # export, inline, macro
        self.proto = proto    # "int rv_x(...);" or None for a macro
        self.header = header  # "chain.h"
        self.line = line
        self.callee = callee  # a macro's rv__x
        self.args = args      # a macro's parameter names
        self.body = None      # a macro's expansion
        self.doc = None       # the Doc documenting it


class Doc:
    """A comment and the declarations it documents."""

    def __init__(self, text, header):
        self.text = text
        self.header = header
        self.decls = []


def comment_text(lines):
    """The text of a block comment without its frame (the opening and
    closing marks and each line's leading " * "); indentation after the
    frame is kept, since it marks a table or a list."""
    out = []
    for i, ln in enumerate(lines):
        s = ln.strip()
        if i == 0:
            s = s[2:].strip()
        if s.endswith("*/"):
            s = s[:-2].rstrip()
        if i > 0 and s.startswith("*"):
            s = s[2:] if s.startswith("* ") else s[1:]
        out.append(s.rstrip())
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return out


def clean_proto(text):
    """A declaration as a synopsis line: one line, no export macro."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\bRV_EXPORT\s+", "", text)
    text = re.sub(r"__attribute__\s*\(\(.*?\)\)\s*", "", text)
    text = text.replace("( ", "(").replace(" )", ")")
    return text


class Header:
    """The public functions of one header and its top comment."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.top = []         # the header's own comment, as lines
        self.docs = []        # every Doc, in order
        self.decls = []       # every Decl, in order, documented or not
        self.protos = {}      # rv__x -> its prototype (for macros)
        with open(path, encoding="utf-8") as f:
            self.lines = f.read().split("\n")
        self.parse()

    def parse(self):
        lines = self.lines
        i = 0
        doc = None          # the comment the next declarations share
        while i < len(lines):
            ln = lines[i]
            s = ln.strip()
            if not s:
                doc = None
                i += 1
                continue
            if s.startswith("/*"):
                m = PROTO_COMMENT_RE.match(s)
                if m and doc is not None:
                    d = Decl(m.group(2), "macro", clean_proto(m.group(1)),
                             self.name, i + 1)
                    self.add(d, doc)
                    i += 1
                    continue
                j = i
                while "*/" not in lines[j]:
                    j += 1
                text = comment_text(lines[i:j + 1])
                if not self.top and not self.docs and not self.decls:
                    self.top = [t for t in text if not SPDX_RE.match(t)]
                    while self.top and not self.top[0]:
                        self.top.pop(0)
                    doc = None
                else:
                    doc = Doc(text, self.name)
                    self.docs.append(doc)
                i = j + 1
                continue
            if s.startswith("#"):
                i = self.preprocessor(i, doc)
                if not MACRO_RE.match(s) and not re.match(
                        r"#\s*define\s+[A-Z_0-9]+\b(?!\()", s):
                    doc = None
                continue
            if ln.startswith("RV_EXPORT") or ln.startswith("static inline"):
                i = self.declaration(i, doc)
                continue
            doc = None      # a struct, a typedef, ...: not ours
            i += 1

    def preprocessor(self, i, doc):
        """A #-line (with its continuations): a public macro is declared."""
        start = i
        text = self.lines[i]
        while text.endswith("\\") and i + 1 < len(self.lines):
            i += 1
            text = text[:-1] + " " + self.lines[i].strip()
        m = MACRO_RE.match(text.strip())
        if m:
            args = [a.strip() for a in m.group(2).split(",") if a.strip()]
            c = CALLEE_RE.search(m.group(3))
            d = Decl(m.group(1), "macro", None, self.name, start + 1,
                     c.group(1) if c else None, args)
            d.body = m.group(3).strip()
            self.add(d, doc)
        return i + 1

    def declaration(self, i, doc):
        """An RV_EXPORT or static inline declaration or definition."""
        start = i
        text = ""
        depth = 0
        while i < len(self.lines):
            ln = self.lines[i]
            for k, ch in enumerate(ln):
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                elif depth == 0 and ch in ";{":
                    text += " " + ln[:k]
                    if ch == "{":
                        i = self.skip_body(i, k)
                    else:
                        i += 1
                    self.record(text, start, doc)
                    return i
            text += " " + ln
            i += 1
        return i

    def skip_body(self, i, k):
        """The line after the body whose '{' is at lines[i][k]."""
        depth = 0
        while i < len(self.lines):
            for ch in self.lines[i][k:]:
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        return i + 1
            i += 1
            k = 0
        return i

    def record(self, text, start, doc):
        m = NAME_RE.search(text)
        internal = re.search(r"\b(rv__[a-z0-9_]+)\s*\(", text)
        if internal and (not m or internal.start() < m.start()):
            self.protos[internal.group(1)] = clean_proto(text) + ";"
            return
        if not m:
            return          # a variable (RV_EXPORT extern ...), not a call
        kind = "inline" if text.strip().startswith("static inline") else \
            "export"
        proto = clean_proto(text)
        if kind == "inline":
            proto = proto.replace("static inline ", "", 1)
        d = Decl(m.group(1), kind, proto + ";", self.name, start + 1)
        self.add(d, doc)

    def add(self, d, doc):
        self.decls.append(d)
        if doc is not None:
            d.doc = doc
            doc.decls.append(d)


def macro_proto(d, protos):
    """A macro's prototype from the rv__ function it calls, when it passes
    each of its arguments through unchanged; else None."""
    proto = protos.get(d.callee)
    if not proto or not d.body:
        return None
    call = d.body[d.body.index(d.callee) + len(d.callee):].strip()
    inner = call[1:call.rindex(")")] if call.startswith("(") else ""
    passed = [a.strip() for a in split_top(inner)]
    pm = re.match(r"^(.*?)\b" + re.escape(d.callee) + r"\s*\((.*)\);$", proto)
    if not pm:
        return None
    params = [p.strip() for p in split_top(pm.group(2))]
    if len(params) != len(passed):
        return None
    chosen = []
    for a in d.args:
        idx = [k for k, p in enumerate(passed) if p in (a, "(" + a + ")")]
        if len(idx) != 1:
            return None
        chosen.append(params[idx[0]])
    return "%s%s(%s);" % (pm.group(1), d.name, ", ".join(chosen))


def split_top(s):
    """|s| split at the commas outside parentheses."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


class Page:
    def __init__(self, decl, header):
        self.decl = decl
        self.name = decl.name
        self.header = header

    @property
    def file(self):
        return "%s.%s" % (self.name, SECTION)


def pages_of(headers):
    """(pages, problems): one page per public function, and each public
    function without a comment."""
    pages = {}
    problems = []
    for h in headers:
        names = []
        for d in h.decls:
            if d.name not in names:
                names.append(d.name)
        for name in names:
            decls = [d for d in h.decls if d.name == name]
            documented = [d for d in decls if d.doc is not None]
            if not documented:
                d = decls[0]
                problems.append(
                    "%s:%d: %s has no comment: write one right above its "
                    "declaration, starting with its name and saying who "
                    "owns what and what holds after a failure" %
                    (h.path, d.line, name))
                continue
            if name in pages:
                continue
            pages[name] = Page(documented[0], h)
    return pages, problems


# ---- roff -------------------------------------------------------------

def esc(s):
    """|s| as roff text: backslashes, hyphens and leading dots escaped."""
    s = s.replace("\\", "\\e").replace("-", "\\-")
    if s.startswith(".") or s.startswith("'"):
        s = "\\&" + s
    return s


def inline(s):
    """Comment prose as roff: |param| in italics, rv_calls in bold."""
    out = []
    for part in re.split(r"(\|\*?[A-Za-z_][\w.>\[\]-]*\||"
                         r"\brv_[a-z0-9_]+\*?(?:\(\))?)",
                         s):
        if not part:
            continue
        if part.startswith("|") and part.endswith("|") and len(part) > 2:
            out.append("\\fI" + esc(part[1:-1]) + "\\fP")
        elif part.startswith("rv_"):
            out.append("\\fB" + esc(part) + "\\fP")
        else:
            out.append(esc(part))
    return "".join(out)


def blocks(lines):
    """Comment lines as (kind, lines) blocks: para, item (a "- " bullet,
    at any indent, with its more indented continuation lines) or pre
    (other indented lines: tables, kept as they are)."""
    out = []
    cur = None
    item_indent = 0
    for ln in lines:
        if not ln.strip():
            cur = None
            continue
        indent = len(ln) - len(ln.lstrip())
        if ln.lstrip().startswith("- "):
            cur = ("item", [ln.lstrip()[2:].strip()])
            item_indent = indent
            out.append(cur)
        elif cur is not None and cur[0] == "item" and indent > item_indent:
            cur[1].append(ln.strip())
        elif indent:
            if cur is None or cur[0] != "pre":
                cur = ("pre", [])
                out.append(cur)
            cur[1].append(ln.rstrip())
        else:
            if cur is None or cur[0] != "para":
                cur = ("para", [])
                out.append(cur)
            cur[1].append(ln.strip())
    return out


def roff_blocks(lines):
    out = []
    for kind, text in blocks(lines):
        if kind == "pre":
            out.append(".PP\n.nf\n.RS 2\n" + "\n".join(
                esc(t) for t in text) + "\n.RE\n.fi")
        elif kind == "item":
            out.append(".IP \\(bu 2\n" + inline(" ".join(text)))
        else:
            out.append(".PP\n" + inline(" ".join(text)))
    return "\n".join(out)


def sentences(text):
    """The comment's prose, joined, cut into sentences."""
    flat = re.sub(r"\s+", " ", text).strip()
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(|\-]|rv_)", flat) if s]


def summary(doc, name):
    """The NAME line's text: the comment's first sentence (or the first
    that starts with |name|), without the function names it starts with -
    unless it is about another call of the group, which it then names."""
    all_ = sentences(" ".join(doc.text)) or [""]
    # A comment shared by several calls may give each its own sentence.
    own = [t for t in all_ if re.match(re.escape(name) + r"\b", t)]
    first = own[0] if own else all_[0]
    s = first
    lead = re.match(r"^((rv_[a-z0-9_]+\*?|_[a-z0-9_]+|/|,|and|or)\s*)+:?\s*",
                    first)
    if lead and (own or name in lead.group(0) or
                 not re.search(r"\brv_", lead.group(0))):
        s = first[lead.end():] or first
    return s.replace("|", "").rstrip(".")


def returns_and_errors(doc):
    """The sentences that say what is returned, and for each -E code the
    clauses that name it."""
    rets, errs = [], {}
    for s in sentences(" ".join(doc.text)):
        if RETURNS_RE.search(s):
            rets.append(s)
        for clause in re.split(r";\s+|,\s+(?=-E[A-Z])|\s+and\s+(?=-E[A-Z])",
                               s):
            for code in ERRNO_RE.findall(clause):
                c = clause.strip().rstrip(".")
                c = re.sub(r"^(Returns\s+|On\s+)?-%s\b\s*[:,]?\s*" % code, "",
                           c)
                if not c:
                    num = getattr(errno, code, None)
                    c = os.strerror(num) if num else "-" + code
                while c.endswith(")") and c.count(")") > c.count("("):
                    c = c[:-1]
                c = c[0].upper() + c[1:]
                errs.setdefault(code, [])
                if c not in errs[code]:
                    errs[code].append(c)
    return rets, errs


def synopsis_of(d, protos):
    if d.proto:
        return d.proto
    p = macro_proto(d, protos)
    if p:
        return p
    return "#define %s(%s) /* a macro */" % (d.name, ", ".join(d.args))


def th(name, version, date):
    """The title line; left-aligned, not hyphenated (names stay whole)."""
    return '.TH %s %s "%s" "ringview %s" "ringview Manual"\n.ad l\n.nh' % (
        esc(name.upper()), SECTION, date, version)


def render(page, pages, version, date):
    d = page.decl
    h = page.header
    doc = d.doc
    group = []
    for g in doc.decls:
        if g.name not in [x.name for x in group]:
            group.append(g)
    out = [th(d.name, version, date), ".SH NAME",
           # Plain text: whatis and lexgrog read this line.
           "%s \\- %s" % (esc(d.name), esc(summary(doc, d.name)))]
    out += [".SH SYNOPSIS", ".nf",
            ".B #include <ringview/%s>" % h.name, ".PP"]
    for g in group:
        out.append(".B \"%s\"" % esc(synopsis_of(g, h.protos)).replace(
            '"', '\\(dq'))
    out += [".fi", ".PP", "Link with \\fI\\-lringview\\fP "
            "(\\fBpkg\\-config \\-\\-libs ringview\\fP)."]
    out += [".SH DESCRIPTION", roff_blocks(doc.text)]
    rets, errs = returns_and_errors(doc)
    if rets:
        out += [".SH RETURN VALUE", ".PP", inline(" ".join(rets))]
    if errs:
        out.append(".SH ERRORS")
        for code, texts in errs.items():
            out += [".TP", ".B \\-%s" % code, inline("; ".join(texts)) + "."]
    notes = []
    inl = [g.name for g in group if g.kind == "inline"]
    if inl:
        notes.append("%s %s defined inline in <ringview/%s>." % (
            ", ".join(inl), "is" if len(inl) == 1 else "are", h.name))
    for g in group:
        if g.kind == "macro":
            callee = g.callee or next(
                (x.callee for x in h.decls if x.name == g.name and x.callee),
                None)
            if callee:
                notes.append("%s is a macro over %s(), which also records "
                              "the caller's file and line for leak reports; "
                              "call it as shown above." % (g.name, callee))
            else:
                notes.append("%s is a macro; call it as shown above." %
                             g.name)
    if notes:
        out += [".SH NOTES", ".PP", inline(" ".join(notes))]
    others = sorted(p.name for p in pages.values()
                    if p.header is h and p.name != d.name)
    refs = ["\\fBringview\\fP(3)"] + ["\\fB%s\\fP(3)" % esc(n)
                                        for n in others]
    out += [".SH SEE ALSO", ",\n".join(refs)]
    return "\n".join(out) + "\n"


def render_overview(headers, pages, version, date):
    out = [th("ringview", version, date), ".SH NAME",
           "ringview \\- zero-copy, reference-counted network buffers "
           "over io_uring (or libev)",
           ".SH SYNOPSIS", ".nf", ".B #include <ringview/ringview.h>",
           ".B #include <ringview/ev.h>    /* only to embed in a libev "
           "loop */", ".fi", ".PP",
           "Link with \\fI\\-lringview\\fP "
           "(\\fBpkg\\-config \\-\\-cflags \\-\\-libs ringview\\fP).",
           ".SH DESCRIPTION"]
    umbrella = [h for h in headers if h.name == "ringview.h"]
    if umbrella:
        out.append(roff_blocks(umbrella[0].top))
    out += [".PP", "One page per function below; each header's own "
            "overview follows its name. The version the program was "
            "compiled against is in \\fI<ringview/version.h>\\fP "
            "(RV_VERSION_MAJOR, RV_VERSION_MINOR, RV_VERSION_PATCH, "
            "RV_VERSION_STRING, RV_VERSION_NUMBER, "
            "RV_VERSION_AT_LEAST(major, minor, patch)); the one it runs "
            "with, from " + inline("rv_version() and rv_version_check().")]
    for h in headers:
        if h.name == "ringview.h":
            continue
        out.append(".SH \"%s\"" % esc("<ringview/" + h.name + ">"))
        out.append(roff_blocks(h.top))
        mine = [p for p in pages.values() if p.header is h]
        if mine:
            out += [".PP", "Functions:"]
        for p in mine:
            out += [".TP", ".BR %s (3)" % esc(p.name),
                    inline(summary(p.decl.doc, p.name)) + "."]
    out += [".SH SEE ALSO",
            "The README and docs/ARCHITECTURE.md of the source tree."]
    return "\n".join(out) + "\n"


def lint(texts):
    """0 when groff renders every page without a warning (or is not
    installed, which is said), else 1."""
    groff = shutil.which("groff")
    if not groff:
        print("gen_man: groff is not installed: pages not rendered")
        return 0
    def warnings(text):
        r = subprocess.run([groff, "-man", "-ww", "-z", "-Tutf8"],
                           input=text, capture_output=True, text=True)
        return r.stderr.strip() or (r.returncode and "exit %d" % r.returncode)

    # All pages in one run; only when that warns, one run per page to
    # name the page.
    if not warnings("".join(texts[f] for f in sorted(texts))):
        print("gen_man: %d pages render without a warning (groff -ww)" %
              len(texts))
        return 0
    for fname in sorted(texts):
        w = warnings(texts[fname])
        if w:
            print("gen_man: %s does not render cleanly:\n%s" % (fname, w),
                  file=sys.stderr)
    return 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--outdir", help="write the pages into OUTDIR")
    mode.add_argument("--list", action="store_true",
                      help="print the pages' file names")
    mode.add_argument("--check", action="store_true",
                      help="check every public function is documented")
    ap.add_argument("--version", default="", help="ringview's version")
    ap.add_argument("headers", nargs="+")
    a = ap.parse_args(argv)

    try:
        headers = [Header(p) for p in a.headers]
    except OSError as e:
        print("gen_man: %s" % e, file=sys.stderr)
        return 1
    pages, problems = pages_of(headers)
    if a.list:
        for name in ["ringview"] + sorted(pages):
            print("%s.%s" % (name, SECTION))
        return 0
    for p in problems:
        print("gen_man: %s" % p, file=sys.stderr)
    if problems:
        print("gen_man: %d public function(s) without a comment; no page "
              "can be written for them" % len(problems), file=sys.stderr)
        return 1
    date = ""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        import time
        date = time.strftime("%Y-%m-%d", time.gmtime(
            int(os.environ["SOURCE_DATE_EPOCH"])))
    texts = {"ringview." + SECTION: render_overview(headers, pages,
                                                    a.version, date)}
    for name, p in sorted(pages.items()):
        texts[p.file] = render(p, pages, a.version, date)
    if a.check:
        print("gen_man: %d public functions in %d headers, each documented"
              % (len(pages), len(headers)))
        return lint(texts)
    os.makedirs(a.outdir, exist_ok=True)
    for fname, text in texts.items():
        path = os.path.join(a.outdir, fname)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            os.utime(path)  # newer than the headers, for ninja
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
