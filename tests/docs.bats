#!/usr/bin/env bats
# Around the binary: man page, completions, install, the CI shell recipe,
# and their consistency with what the binary says about itself.
load helpers/common

ROOT=$BATS_TEST_DIRNAME/..
MAN=$ROOT/docs/sockctl.1

# commands: the command names `sockctl --help` lists.
commands() {
	"$SOCKCTL" --help | awk '/^commands:/ { f = 1; next }
	    f && /^$/ { exit } f { print $1 }'
}

# help_opts CMD SECTION: the long options of one section ("options" or
# "global options") of `sockctl CMD --help`, one per line.
help_opts() {
	"$SOCKCTL" "$1" --help | awk -v s="$2:" '$0 == s { f = 1; next }
	    f && /^$/ { exit } f' |
		sed -nE 's/^  (-[^ ], |    )(--[a-z][a-z0-9-]*).*/\2/p'
}

# help_shorts CMD: the short options of `sockctl CMD --help`.
help_shorts() {
	"$SOCKCTL" "$1" --help | sed -nE 's/^  (-[a-zA-Z0-9])[ ,].*/\1/p'
}

# man_text: the man page source with \- turned into -.
man_text() {
	sed 's/\\-/-/g' "$MAN"
}

# man_section CMD: the man page subsection of CMD (.SS up to the next .SS
# or .SH).
man_section() {
	man_text | awk -v c="$1" '/^\.S[SH]/ { f = 0 }
	    index($0, ".SS \"" c " ") == 1 { f = 1 } f'
}

# complete_bash WORD...: runs the bash completion for the words (the last
# is the one being completed) and prints COMPREPLY, one per line.
complete_bash() {
	bash -c 'source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=(); _sockctl
		printf "%s\n" "${COMPREPLY[@]}"' complete "$ROOT/completions/sockctl.bash" "$@"
}

# probe_connect_built: false when probe-connect is still the stub.
probe_connect_built() {
	if "$SOCKCTL" connect --help 2>&1 | grep -q "not built yet"; then
		return 1
	fi
}

@test "every command in --help answers COMMAND --help with exit 0" {
	local n=0 cmd
	for cmd in $(commands); do
		sc 0 "$cmd" --help
		assert_output --partial "usage: sockctl"
		n=$((n + 1))
	done
	[ "$n" -ge 7 ]
}

@test "every command appears in the man page and in the bash, zsh and fish completions" {
	local cmd f missing=""
	for cmd in $(commands); do
		man_text | grep -qE "(^|[^a-z-])$cmd([^a-z-]|$)" || missing+=" man:$cmd"
		for f in sockctl.bash _sockctl sockctl.fish; do
			grep -qE "(^|[^a-z-])$cmd([^a-z-]|$)" "$ROOT/completions/$f" ||
				missing+=" $f:$cmd"
		done
	done
	[ -z "$missing" ] || { echo "missing:$missing" >&2; return 1; }
}

@test "every command has its own subsection in the man page" {
	local cmd missing=""
	for cmd in $(commands); do
		[ "$cmd" = connect ] && cmd=probe-connect
		[ -n "$(man_section "$cmd")" ] || missing+=" $cmd"
	done
	[ -z "$missing" ] || { echo "no .SS for:$missing" >&2; return 1; }
}

@test "every long option of COMMAND --help is in its man page section and its bash completion" {
	local cmd sec o missing="" words
	for cmd in $(commands); do
		sec=$cmd
		[ "$cmd" = connect ] && sec=probe-connect
		words=$(complete_bash sockctl "$cmd" --)
		for o in $(help_opts "$cmd" options); do
			man_section "$sec" | grep -qF -- "$o" || missing+=" man($sec):$o"
			grep -qxF -- "$o" <<<"$words" || missing+=" bash($cmd):$o"
		done
		for o in $(help_opts "$cmd" "global options"); do
			grep -qxF -- "$o" <<<"$words" || missing+=" bash($cmd):$o"
		done
	done
	for o in $(help_opts probe-bind "global options"); do
		man_text | awk '/^\.SH GLOBAL OPTIONS/ { f = 1; next } /^\.SH/ { f = 0 } f' |
			grep -qF -- "$o" || missing+=" man(GLOBAL OPTIONS):$o"
	done
	[ -z "$missing" ] || { echo "missing:$missing" >&2; return 1; }
}

@test "every short option of COMMAND --help is offered by the bash completion" {
	local cmd o missing="" words
	for cmd in $(commands); do
		words=$(complete_bash sockctl "$cmd" -)
		for o in $(help_shorts "$cmd"); do
			grep -qxF -- "$o" <<<"$words" || missing+=" $cmd:$o"
		done
	done
	[ -z "$missing" ] || { echo "missing:$missing" >&2; return 1; }
}

@test "every long option of COMMAND --help is in the zsh and fish completions" {
	local cmd o missing=""
	for cmd in $(commands); do
		for o in $(help_opts "$cmd" options) $(help_opts "$cmd" "global options"); do
			grep -qE -- "'$o[=+[]|\{[^}]*$o[=+,}]" "$ROOT/completions/_sockctl" ||
				missing+=" zsh:$o"
			grep -qE -- "-l ${o#--}( |$)" "$ROOT/completions/sockctl.fish" ||
				missing+=" fish:$o"
		done
	done
	[ -z "$missing" ] || { echo "missing:$missing" >&2; return 1; }
}

@test "the man page lists every reason slug with its exit code" {
	local slug code text
	text=$(man_text)
	while read -r code slug; do
		grep -A1 -xF ".B $code" <<<"$text" | grep -qxF ".B $slug" ||
			{ echo "man page lacks exit $code $slug" >&2; return 1; }
	done <<-EOF
		0 ok
		1 error
		2 usage
		3 dns-failure
		4 refused
		5 timeout
		6 unreachable
		7 port-in-use
		8 permission-denied
		9 address-not-available
		10 expect-failed
		11 reset
		12 resource-limit
	EOF
}

@test "docs/exit-codes.md agrees with explain --list: each error sits in its slug's row" {
	local name slug code row bad=""
	sc 0 explain --list
	while read -r name slug code; do
		row=$(grep -E "^\| $code \| \`$slug\` \|" "$ROOT/docs/exit-codes.md") ||
			{ bad+=" row:$code/$slug"; continue; }
		case $name in
		E*) [[ $row == *"\`$name\`"* ]] || bad+=" $name($slug)" ;;
		esac
	done < <(sed -nE 's/^([A-Za-z_-]+) .*: ([a-z-]+), exit ([0-9]+)$/\1 \2 \3/p' <<<"$output")
	[ -z "$bad" ] || { echo "exit-codes.md disagrees:$bad" >&2; return 1; }
}

@test "the man page renders with groff -man -ww without a warning" {
	command -v groff >/dev/null || skip "groff is not installed"
	run --separate-stderr groff -man -ww -Tutf8 "$MAN"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] || { echo "$stderr" >&2; return 1; }
	[ "${#lines[@]}" -gt 100 ]
}

@test "make install puts every file under DESTDIR/PREFIX and make uninstall removes them" {
	command -v make >/dev/null || skip "make is not installed"
	local root=$BATS_TEST_TMPDIR/root f
	local files=(
		usr/bin/sockctl
		usr/share/man/man1/sockctl.1
		usr/share/bash-completion/completions/sockctl
		usr/share/zsh/site-functions/_sockctl
		usr/share/fish/vendor_completions.d/sockctl.fish
	)
	# BIN: install the binary under test as it is, never rebuild here
	run make -s -C "$ROOT" install DESTDIR="$root" PREFIX=/usr BIN="$SOCKCTL"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	for f in "${files[@]}"; do
		[ -f "$root/$f" ] || { echo "not installed: $f" >&2; return 1; }
	done
	[ -x "$root/usr/bin/sockctl" ]
	cmp "$SOCKCTL" "$root/usr/bin/sockctl"
	cmp "$MAN" "$root/usr/share/man/man1/sockctl.1"
	cmp "$ROOT/completions/sockctl.bash" "$root/usr/share/bash-completion/completions/sockctl"
	run "$root/usr/bin/sockctl" --version
	assert_output --regexp '^sockctl [0-9]'

	run make -s -C "$ROOT" uninstall DESTDIR="$root" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	for f in "${files[@]}"; do
		[ ! -e "$root/$f" ] || { echo "left behind: $f" >&2; return 1; }
	done
}

@test "make install defaults to PREFIX=/usr/local" {
	command -v make >/dev/null || skip "make is not installed"
	local root=$BATS_TEST_TMPDIR/root
	run make -s -C "$ROOT" install DESTDIR="$root" BIN="$SOCKCTL"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	[ -x "$root/usr/local/bin/sockctl" ]
	[ -f "$root/usr/local/share/man/man1/sockctl.1" ]
	[ -f "$root/usr/local/share/zsh/site-functions/_sockctl" ]
}

@test "bash completion: sockctl pro<TAB> offers the three probes" {
	run complete_bash sockctl pro
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "probe-bind probe-connect probe-udp " ]
}

@test "bash completion: sockctl probe-bind --re<TAB> offers --reuseaddr --reuseport" {
	run complete_bash sockctl probe-bind --re
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "--reuseaddr --reuseport " ]
}

@test "bash completion: sockctl --color <TAB> offers auto always never" {
	run complete_bash sockctl --color ""
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "always auto never " ]
	# --color=<TAB>: bash splits the word at '='
	run complete_bash sockctl probe-bind --color = al
	[ "$output" = always ]
}

@test "bash completion: the alias connect completes like probe-connect" {
	run complete_bash sockctl conn
	assert_line connect
	run complete_bash sockctl connect --wa
	[ "$output" = --wait ]
}

@test "bash completion: service names where a port goes" {
	grep -qE '^http[[:space:]]' /etc/services 2>/dev/null || skip "no http in /etc/services"
	run complete_bash sockctl probe-bind htt
	assert_line http
	# the second word of connect HOST
	run complete_bash sockctl connect localhost htt
	assert_line http
	# after HOST: (bash splits the word at ':'; the reply replaces the last piece)
	run complete_bash sockctl connect localhost : htt
	assert_line http
	# not where a host goes
	run complete_bash sockctl connect htt
	[[ $'\n'"$output"$'\n' != *$'\nhttp\n'* ]]
}

@test "wait-for-services.sh without a target is a usage error" {
	run --separate-stderr sh "$ROOT/docs/wait-for-services.sh"
	[ "$status" -eq 2 ]
	[[ $stderr == *usage:* ]]
}

@test "wait-for-services.sh waits for a listening port and runs the command after --" {
	probe_connect_built || skip "probe-connect is not built yet (sockctl connect --help says so)"
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	SOCKCTL=$SOCKCTL run --separate-stderr sh "$ROOT/docs/wait-for-services.sh" -t 10 \
		"$listen_addr" -- echo ran
	[ "$status" -eq 0 ] || { echo "exit $status: $stderr" >&2; return 1; }
	[ "$output" = ran ]
	[[ $stderr == *"$listen_addr is up"* ]]
}

@test "wait-for-services.sh gives up on a refused port with exit 4 and names it" {
	probe_connect_built || skip "probe-connect is not built yet (sockctl connect --help says so)"
	local port
	# a port that was free a moment ago and has nothing listening now
	start_listener hold "$SOCKCTL" probe-bind --hold 30s 127.0.0.1:0
	port=$listen_port
	stop_bg "$bg_pid"
	SOCKCTL=$SOCKCTL run --separate-stderr sh "$ROOT/docs/wait-for-services.sh" -t 2 \
		"127.0.0.1:$port" -- echo ran
	[ "$status" -eq 4 ] || { echo "exit $status: $stderr" >&2; return 1; }
	[ -z "$output" ]
	[[ $stderr == *"127.0.0.1:$port is not up: refused"* ]]
}

@test "the README starts with the two set-up commands under the title" {
	local want
	want=$(printf '%s\n' "# sockctl" "" "    make && ./sockctl probe-bind 8080" \
		"    make test")
	[ "$(head -n 4 "$ROOT/README.md")" = "$want" ]
}
