# Python checkers of sockctl's machine output, with Debian's modules:
# python3-jsonschema (tests/helpers/schema_check.py) and
# python3-prometheus-client (tests/helpers/om_parse.py). tests/run.sh
# installs both as root; elsewhere the tests that need one skip.

# Debian's interpreter: its dist-packages hold the modules (a python3 first
# in PATH, e.g. pyenv's, may not see them). PYTHON3 overrides.
PY=${PYTHON3:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)

SCHEMA=$BATS_TEST_DIRNAME/../docs/sockctl.schema.json

# require_py MODULE PACKAGE: skips the test when MODULE does not import.
require_py() {
	"$PY" -c "import $1" 2>/dev/null ||
		skip "$2 is not installed (apt-get install $2; tests/run.sh does as root)"
}

# schema_ok FILE...: every line of the files is valid against the schema;
# prints the validator's report on failure.
schema_ok() {
	run "$PY" "$BATS_TEST_DIRNAME/helpers/schema_check.py" "$SCHEMA" "$@"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

# om_parse TEXT: parses TEXT with prometheus_client's OpenMetrics parser;
# $output holds one "NAME LABELS-JSON VALUE" line per sample, then
# "families: ...". Fails with the parser's message on invalid input.
om_parse() {
	run --separate-stderr "$PY" "$BATS_TEST_DIRNAME/helpers/om_parse.py" <<<"$1"
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; echo "--- input"; echo "$1"; return 1; } >&2
}
