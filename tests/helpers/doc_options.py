#!/usr/bin/python3
"""Lists the options that documents name on a sockctl command line but
sockctl does not have.

    doc_options.py SOCKCTL FILE...

Every `sockctl ...` (or `/sockctl ...`) command in FILE -- in shell form,
or as the JSON/YAML/Dockerfile exec arrays ["/sockctl", "-q", ...] -- is
split into words up to the end of the command (| || && ; ` ) or the line).
The command is the first word that `SOCKCTL --help` lists; each word that
starts with - is looked up in `SOCKCTL COMMAND --help` (its options and the
global ones). Prints "FILE:LINE: OPTION (COMMAND)" per unknown option and
exits 1 when there is one; prints "N command lines, N options checked".
"""
import re
import shlex
import subprocess
import sys

OPT_RE = re.compile(r"^  (?:-([A-Za-z0-9]), |    )?(?:--([a-z][a-z0-9-]*)|-([A-Za-z0-9]))")


def help_text(sockctl, *args):
    return subprocess.run([sockctl, *args, "--help"], capture_output=True,
                          text=True).stdout


def options(text):
    opts = set()
    for line in text.splitlines():
        m = OPT_RE.match(line)
        if m:
            for short in (m.group(1), m.group(3)):
                if short:
                    opts.add("-" + short)
            if m.group(2):
                opts.add("--" + m.group(2))
    return opts


def commands(sockctl):
    text = help_text(sockctl)
    out, on = [], False
    for line in text.splitlines():
        if line == "commands:":
            on = True
        elif on and not line.strip():
            break
        elif on:
            out.append(line.split()[0])
    return out


def words_after(line, start):
    """The words of the command that starts at line[start:]."""
    rest = line[start:]
    if rest.lstrip().startswith('",'):
        # an exec array: the quoted strings after the binary's
        rest = rest[rest.index('"') + 1:]	# past the binary's closing quote
        return re.findall(r'"((?:[^"\\]|\\.)*)"', rest)
    rest = re.split(r"\|\||&&|[|;`)]", rest)[0]
    try:
        return shlex.split(rest, comments=True)
    except ValueError:
        return rest.split()


def main(argv):
    sockctl, files = argv[1], argv[2:]
    cmds = commands(sockctl)
    if not cmds:
        print(f"{sockctl} --help lists no commands", file=sys.stderr)
        return 2
    per = {c: options(help_text(sockctl, c)) for c in cmds}
    glob = options(help_text(sockctl)) | {"--version", "--help", "-h"}
    nlines = nopts = bad = 0
    for f in files:
        for no, line in enumerate(open(f), 1):
            for m in re.finditer(r"(?:^|[\s\"'(\[`/=])sockctl(?=\s|\",)", line):
                words = words_after(line, m.end())
                cmd = next((w for w in words if w in per), None)
                if cmd is None and not any(w.startswith("-") for w in words):
                    continue	# prose: "sockctl prints ..."
                nlines += 1
                known = per[cmd] if cmd else glob
                for w in words:
                    if w == "--":
                        break	# what follows is COMMAND's (connect -- COMMAND)
                    if not w.startswith("-") or w == "-":
                        continue
                    if w[1:2].isdigit() and not re.match(r"^-[46]$", w):
                        continue	# a negative number, not an option
                    name = w.split("=", 1)[0]
                    nopts += 1
                    if name not in known:
                        bad += 1
                        print(f"{f}:{no}: {name} ({cmd or 'no command'})")
    print(f"{nlines} command lines, {nopts} options checked")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
