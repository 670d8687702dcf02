#!/usr/bin/env python3
"""scripts/genman.py CRATESEC TEMPLATE OUTDIR - writes the manual pages.

One page per command, cratesec-COMMAND.1, made from `CRATESEC COMMAND --help`
for every command that `CRATESEC --help` lists, so the pages cannot drift from
--help and a new command gets its page without editing anything here.  The
overview page cratesec.1 is TEMPLATE (hand-written prose) with the command
list, the exit status and the cross references filled in from `--help`.

The help layout it reads is the one cli/opt.c prints:

    usage: cratesec CMD [OPTIONS] ARGS       -> SYNOPSIS
    <summary line>                           -> NAME, first DESCRIPTION line
    <paragraphs>                             -> DESCRIPTION; one starting with
                                                "Exit status" -> EXIT STATUS
    Options:                                 -> OPTIONS
      -x, --long ARG       help
    Exit status: ...                         -> EXIT STATUS (the general rule)

Anything it does not recognise is an error naming the command and line, so a
change to the help layout fails `make man` instead of producing a wrong page.
ENVIRONMENT and FILES list the variables and paths the help text mentions,
described from the tables below.
"""
import os
import re
import subprocess
import sys

# Variables and files a command's help may mention (the key, as a word), with
# what the manual says about them.  Only entries that a command's --help
# mentions appear on its page.
ENVIRONMENT = [
    ("CRATESEC_DB",
     "The advisory database directory when none is given on the command line "
     "(--db or a DB argument). Unset or empty: ./advisory-db."),
    ("CRATESEC_INDEX",
     "The registry index directory (git layout) when --index is not given."),
    ("NO_COLOR",
     "When set to a non-empty value, --color auto (the default) does not colour "
     "the output, even on a terminal."),
    ("XDG_CACHE_HOME",
     "Base directory of the default --cache-dir: $XDG_CACHE_HOME/cratesec/index/; "
     "when it is unset, $HOME/.cache/cratesec/index/."),
]
FILES = [
    ("./advisory-db",
     "The advisory database (a checkout of github.com/rustsec/advisory-db) used "
     "when neither the command line nor $CRATESEC_DB names one."),
    ("./Cargo.lock", "The lockfile read when none is given."),
    ("$XDG_CACHE_HOME/cratesec/index",
     "Disk cache of a sparse registry index: one directory per index URL, named "
     "HOST-HASH (else under ~/.cache/cratesec/index/)."),
]

# What a terminal without the character shows instead (man in the C locale
# formats for ASCII).
ASCII_FALLBACK = {"\u00a7": "section\\ ", "\u2014": "--", "\u2013": "-", "\u2026": "...",
                  "\u2192": "->", "\u00d7": "x", "\u2264": "<=", "\u2265": ">="}

HELP_COLUMN = 29  # cli/opt.c: two spaces, a 26-column left part, one space


class HelpError(Exception):
    pass


def run_help(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0:
        raise HelpError("`%s` exited %d: %s" % (" ".join(argv), proc.returncode,
                                               proc.stderr.strip()))
    return proc.stdout


# ---------------------------------------------------------------- roff text

def escape(text):
    """Plain text -> roff: backslashes, minus signs (so options copy and paste
    as ASCII), non-ASCII characters as named glyphs."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def inline(text):
    """Prose -> roff: `code` and --options in bold."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]*)`", text)):
        if i % 2:
            out.append("\\fB" + escape(part) + "\\fR")
        else:
            part = escape(part)
            out.append(re.sub(r"(?<![\w\\])((?:\\-){1,2}[A-Za-z][\w]*(?:\\-[\w]+)*)",
                              r"\\fB\1\\fR", part))
    return "".join(out)


def text_lines(text):
    """Roff source lines for filled text; a line must not start with a
    control character or a space (which would break the fill)."""
    lines = []
    for line in inline(text).split("\n"):
        line = line.strip()
        if line.startswith((".", "'")):
            line = "\\&" + line
        if line:
            lines.append(line)
    return lines


def synopsis_words(text):
    """`[OPTIONS] CRATE[@VERSION]...` -> metavariables in italics, options
    and literal words in bold."""
    text = escape(text)
    text = re.sub(r"((?:\\-){1,2}[a-z][\w\\-]*)", r"\\fB\1\\fR", text)
    return re.sub(r"\b([A-Z][A-Z0-9_]+)\b", r"\\fI\1\\fR", text)


# ---------------------------------------------------------------- help parsing

def split_paragraphs(lines):
    paragraphs, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def parse_options(cmd, lines):
    """Option lines -> [(short or None, long, arg or None, help)]."""
    options = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            break
        if i + 1 < len(lines) and lines[i + 1].startswith(" " * HELP_COLUMN):
            left, help_text = line.strip(), lines[i + 1].strip()
            i += 2
        else:
            if len(line) <= HELP_COLUMN or line[HELP_COLUMN - 1] != " ":
                raise HelpError("%s --help: option line not in the help layout: %r" % (cmd, line))
            left, help_text = line[2:HELP_COLUMN - 1].strip(), line[HELP_COLUMN:].strip()
            i += 1
        m = re.match(r"^(?:-(\w), )?--([a-z0-9][a-z0-9-]*)(?: (\S+))?$", left)
        if not m:
            raise HelpError("%s --help: cannot read the option %r" % (cmd, left))
        options.append((m.group(1), m.group(2), m.group(3), help_text))
    return options, lines[i:]


def parse_command_help(cmd, text):
    lines = text.split("\n")
    m = re.match(r"^usage: cratesec %s (.*)$" % re.escape(cmd), lines[0])
    if not m:
        raise HelpError("%s --help: first line is not `usage: cratesec %s ...`" % (cmd, cmd))
    usage = m.group(1).strip()
    try:
        opt_at = max(i for i, l in enumerate(lines) if l == "Options:" and not lines[i - 1].strip())
    except ValueError:
        raise HelpError("%s --help: no `Options:` section" % cmd)
    body = split_paragraphs(lines[1:opt_at])
    if not body:
        raise HelpError("%s --help: no summary line" % cmd)
    summary = " ".join(body[0])
    options, rest = parse_options(cmd, lines[opt_at + 1:])
    description, exit_status = [], []
    for para in body[1:] + split_paragraphs(rest):
        (exit_status if para[0].startswith("Exit status") else description).append(para)
    if not exit_status:
        raise HelpError("%s --help: no paragraph starting with `Exit status`" % cmd)
    return {"usage": usage, "summary": summary, "description": description,
            "options": options, "exit_status": exit_status, "text": text}


def parse_top_help(text):
    lines = text.split("\n")
    try:
        start = lines.index("Commands:") + 1
    except ValueError:
        raise HelpError("cratesec --help: no `Commands:` section")
    commands = []
    for line in lines[start:]:
        m = re.match(r"^  ([a-z][a-z0-9-]*) +(\S.*)$", line)
        if not m:
            break
        commands.append((m.group(1), m.group(2)))
    if not commands:
        raise HelpError("cratesec --help: no commands listed")
    # "Exit status, for every command:" then "  N  text" items with indented
    # continuation lines.
    statuses = []
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("Exit status")) + 1
    except StopIteration:
        raise HelpError("cratesec --help: no exit status")
    for line in lines[start:]:
        m = re.match(r"^  (\d+)  (\S.*)$", line)
        if m:
            statuses.append([m.group(1), m.group(2)])
        elif line.startswith("     ") and statuses:
            statuses[-1][1] += " " + line.strip()
        else:
            break
    if not statuses:
        raise HelpError("cratesec --help: no exit status items")
    return commands, statuses


# ---------------------------------------------------------------- page writing

def paragraph_roff(para):
    """One help paragraph.  Lines indented as `  term:   text` (with deeper
    continuation lines) become a tagged list; other indented lines are kept
    as they are; the rest is filled text."""
    out, prose, indent = [".PP"], [], None

    def flush_prose():
        if prose:
            out.extend(text_lines("\n".join(prose)))
            del prose[:]

    i = 0
    while i < len(para):
        line = para[i]
        item = re.match(r"^  (\S.*?:)( {2,})(\S.*)$", line)
        if item:
            flush_prose()
            indent = 2 + len(item.group(1)) + len(item.group(2))
            body = [item.group(3)]
            i += 1
            while i < len(para) and para[i].startswith(" " * indent):
                body.append(para[i].strip())
                i += 1
            out.extend([".TP", "\\&" + inline(item.group(1))] + text_lines("\n".join(body)))
            continue
        if line.startswith(" "):
            flush_prose()
            out.extend([".PP", ".nf"])
            while i < len(para) and para[i].startswith(" "):
                out.append("\\&" + escape(para[i]))
                i += 1
            out.extend([".fi", ".PP"])
            continue
        if indent is not None:  # text after a tagged list starts a new paragraph
            out.append(".PP")
            indent = None
        prose.append(line)
        i += 1
    flush_prose()
    return out


def mentioned(text, key):
    return re.search(r"(?<![\w])%s(?![\w])" % re.escape(key), text) is not None


def fallbacks(text):
    """.fchar lines for the non-ASCII characters of a page."""
    return [".fchar \\[u%04X] %s" % (ord(c), ASCII_FALLBACK[c])
            for c in sorted(set(text)) if c in ASCII_FALLBACK]


def header(title, version, source):
    return ['.\\" Generated by scripts/genman.py from %s; edit the help text, not this file.' % source,
            '.TH %s 1 "" "%s" "cratesec manual"' % (escape(title.upper()), escape(version)),
            # Paths and option values read better unbroken and unstretched
            # (HY: the hyphenation .EE restores).
            ".nr HY 0", ".hy 0", ".ad l"]


def command_page(cmd, help_info, commands, version):
    page = "cratesec-" + cmd
    out = header(page, version, "`cratesec %s --help`" % cmd) + fallbacks(help_info["text"])
    out += [".SH NAME", "%s \\- %s" % (escape(page), escape(help_info["summary"]))]

    out.append(".SH SYNOPSIS")
    for n, alt in enumerate(re.split(r" {2,}or {2,}", help_info["usage"])):
        alt = re.sub(r"^cratesec %s\b ?" % re.escape(cmd), "", alt)
        if n:
            out.append(".br")
        out.append(".B cratesec %s" % escape(cmd))
        if alt.strip():
            out.append(synopsis_words(alt.strip()))
        elif n == 0:
            out.append(synopsis_words("[OPTIONS]"))

    out.append(".SH DESCRIPTION")
    if not help_info["description"]:  # else NAME has said it already
        out += [".PP"] + text_lines(help_info["summary"][0].upper() + help_info["summary"][1:] + ".")
    for para in help_info["description"]:
        out += paragraph_roff(para)

    out.append(".SH OPTIONS")
    for short, long_name, arg, help_text in help_info["options"]:
        tag = "\\fB\\-\\-%s\\fR" % escape(long_name)
        if arg:
            tag += " \\fI%s\\fR" % escape(arg)
        if short:
            tag = "\\fB\\-%s\\fR, %s" % (escape(short), tag)
        out += [".TP", tag] + text_lines(help_text[0].upper() + help_text[1:] + ".")

    out.append(".SH EXIT STATUS")
    for para in help_info["exit_status"]:
        out += [".PP"] + text_lines("\n".join(para))

    text = help_info["text"]
    env = [(k, v) for k, v in ENVIRONMENT if mentioned(text, k)]
    if env:
        out.append(".SH ENVIRONMENT")
        for key, what in env:
            out += [".TP", "\\fB%s\\fR" % escape(key)] + text_lines(what)
    files = [(k, v) for k, v in FILES if mentioned(text, k)]
    if files:
        out.append(".SH FILES")
        for key, what in files:
            out += [".TP", "\\fI%s\\fR" % escape(key)] + text_lines(what)

    see = ["cratesec"] + ["cratesec-" + c for c, _ in commands
                          if c != cmd and re.search(r"`%s[ `]" % re.escape(c), text)]
    out += [".SH SEE ALSO", ",\n".join("\\fB%s\\fR(1)" % escape(s) for s in see)]
    return "\n".join(out) + "\n"


def overview_page(template, commands, statuses, version):
    command_list = []
    for name, summary in commands:
        command_list += [".TP", "\\fBcratesec %s\\fR (\\fBcratesec\\-%s\\fR(1))" % (escape(name), escape(name))]
        command_list += text_lines(summary[0].upper() + summary[1:] + ".")
    status_list = []
    for code, meaning in statuses:
        status_list += [".TP", "\\fB%s\\fR" % code] + text_lines(meaning[0].upper() + meaning[1:] + ".")
    see_also = ",\n".join("\\fBcratesec\\-%s\\fR(1)" % escape(name) for name, _ in commands)
    fill = {"@VERSION@": escape(version), "@COMMANDS@": "\n".join(command_list),
            "@EXIT_STATUS@": "\n".join(status_list), "@SEE_ALSO@": see_also}
    page = template
    for key, value in fill.items():
        if key not in page:
            raise HelpError("template has no %s" % key)
        page = page.replace(key, value)
    leftover = re.search(r"@[A-Z_]+@", page)
    if leftover:
        raise HelpError("template has an unknown placeholder %s" % leftover.group(0))
    return page


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: genman.py CRATESEC TEMPLATE OUTDIR\n")
        return 2
    binary, template_path, outdir = argv[1:]
    try:
        version = run_help([binary, "--version"]).strip()
        commands, statuses = parse_top_help(run_help([binary, "--help"]))
        pages = {}
        for name, _ in commands:
            info = parse_command_help(name, run_help([binary, name, "--help"]))
            pages["cratesec-%s.1" % name] = command_page(name, info, commands, version)
        with open(template_path, encoding="utf-8") as f:
            overview = overview_page(f.read(), commands, statuses, version)
    except HelpError as e:
        sys.stderr.write("genman: %s\n" % e)
        return 1
    os.makedirs(outdir, exist_ok=True)
    # A command that no longer exists must not keep its page.
    for old in os.listdir(outdir):
        if re.match(r"^cratesec-.*\.1$", old) and old not in pages:
            os.remove(os.path.join(outdir, old))
    for name, text in sorted(pages.items()):
        write(os.path.join(outdir, name), text)
    write(os.path.join(outdir, "cratesec.1"), overview)  # last: the make target
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
