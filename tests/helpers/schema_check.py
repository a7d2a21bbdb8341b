#!/usr/bin/python3
"""Checks JSON Lines against docs/sockctl.schema.json (draft 2020-12).

    schema_check.py SCHEMA [FILE...]     (no FILE: stdin)

Every non-empty line must be one JSON object valid against SCHEMA. Prints
"N objects valid" and exits 0; otherwise prints each line that fails with
the errors the validator gives and exits 1. Exits 77 when python3-jsonschema
is not installed (the bats tests skip then), 2 when SCHEMA itself is no
valid draft 2020-12 schema or no line was given.
"""
import json
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(77)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{argv[1]}: not a valid draft 2020-12 schema: {e.message}",
              file=sys.stderr)
        return 2
    v = Draft202012Validator(schema)
    files = argv[2:] or ["-"]
    n = bad = 0
    for name in files:
        f = sys.stdin if name == "-" else open(name)
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            try:
                obj = json.loads(line)
            except ValueError as e:
                print(f"{name}:{i}: not JSON ({e}): {line.rstrip()}")
                bad += 1
                continue
            # best_match names the branch of oneOf that came closest
            errs = list(v.iter_errors(obj))
            if errs:
                bad += 1
                print(f"{name}:{i}: {line.rstrip()}")
                e = jsonschema.exceptions.best_match(errs)
                for sub in [e] + sorted(e.context, key=lambda x: x.path)[:8]:
                    where = "/".join(str(p) for p in sub.absolute_path)
                    print(f"    at '{where}': {sub.message}")
    if n == 0:
        print("no JSON line to check", file=sys.stderr)
        return 2
    if bad:
        print(f"{bad} of {n} objects invalid")
        return 1
    print(f"{n} objects valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
