#!/usr/bin/python3
"""Parses Prometheus text format 0.0.4 with python3-prometheus-client.

    prom_parse.py < exposition

The text-format twin of om_parse.py: prometheus_client.parser reads stdin
and one line per sample is printed, NAME {"label": "value"} VALUE (labels
as compact JSON, keys sorted), then "families: NAME/TYPE,...". Exits 1
with the parser's message on invalid input, 77 when the module is missing.
"""
import json
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("python3-prometheus-client is not installed", file=sys.stderr)
    sys.exit(77)


def main():
    text = sys.stdin.read()
    if "# EOF" in text:
        print("invalid text 0.0.4: it has OpenMetrics' # EOF",
              file=sys.stderr)
        return 1
    fams, out = [], []
    try:
        for fam in text_string_to_metric_families(text):
            fams.append(f"{fam.name}/{fam.type}")
            for s in fam.samples:
                labels = json.dumps(s.labels, sort_keys=True,
                                    separators=(",", ":"),
                                    ensure_ascii=False)
                out.append(f"{s.name} {labels} {float(s.value)!r}")
    except ValueError as e:
        print(f"invalid text format: {e}", file=sys.stderr)
        return 1
    for line in out:
        print(line)
    print("families: " + ",".join(fams))
    return 0


if __name__ == "__main__":
    sys.exit(main())
