#!/usr/bin/python3
"""Parses OpenMetrics text with python3-prometheus-client's parser.

    om_parse.py < exposition

Reads stdin with prometheus_client.openmetrics.parser (which refuses a
missing "# EOF", a family split in two, a sample before its metadata, a
bad escape) and prints one line per sample:

    NAME {"label": "value", ...} VALUE

with the labels as compact JSON (keys sorted) and the value as Python's
repr of the float (1.0, 0.0, 4.0), then "families: NAME/TYPE/UNIT,..." in
the order they came. Exits 1 with the parser's message on invalid input,
77 when python3-prometheus-client is not installed (the tests skip then).
"""
import json
import sys

try:
    from prometheus_client.openmetrics.parser import \
        text_string_to_metric_families
except ImportError:
    print("python3-prometheus-client is not installed", file=sys.stderr)
    sys.exit(77)


def main():
    text = sys.stdin.read()
    fams = []
    out = []
    try:
        for fam in text_string_to_metric_families(text):
            fams.append(f"{fam.name}/{fam.type}/{fam.unit}")
            for s in fam.samples:
                labels = json.dumps(s.labels, sort_keys=True,
                                    separators=(",", ":"),
                                    ensure_ascii=False)
                out.append(f"{s.name} {labels} {float(s.value)!r}")
    except ValueError as e:
        print(f"invalid OpenMetrics: {e}", file=sys.stderr)
        return 1
    for line in out:
        print(line)
    print("families: " + ",".join(fams))
    return 0


if __name__ == "__main__":
    sys.exit(main())
