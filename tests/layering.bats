#!/usr/bin/env bats
# tests/layering.sh, the check `make test` runs on lib/'s tiers: it passes
# on this tree and fails, naming the file and the include, on a copy of
# lib/ broken on purpose.

setup() {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	tree=$(mktemp -d)
	cp -r "$top/lib" "$tree/lib"
}

teardown() {
	rm -rf "$tree"
}

@test "the tree as it is passes the layering check" {
	run "$top/tests/layering.sh"
	[ "$status" -eq 0 ]
	[[ "$output" == *"layering: ok"* ]]
}

@test "a mechanism file that includes a CLI header fails, naming the file and the include" {
	sed -i '0,/^#include "/s//#include "out.h"\n&/' "$tree/lib/core/loop.c"
	LAYERING_ROOT=$tree run "$top/tests/layering.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *'lib/core/loop.c:'*'includes "out.h" of lib/cli/, a higher tier than lib/core/'* ]]
}

@test "a diagnosis file that includes a CLI header fails" {
	sed -i '0,/^#include "/s//#include "opt.h"\n&/' "$tree/lib/explain/evudp.c"
	LAYERING_ROOT=$tree run "$top/tests/layering.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *'lib/explain/evudp.c:'*'"opt.h" of lib/cli/'* ]]
}

@test "two modules that include each other fail, naming the circle" {
	# clock (base) and dur (base): same tier, so only the circle is wrong
	sed -i '0,/^#include "/s//#include "dur.h"\n&/' "$tree/lib/base/clock.c"
	sed -i '0,/^#include "/s//#include "clock.h"\n&/' "$tree/lib/base/dur.c"
	LAYERING_ROOT=$tree run "$top/tests/layering.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"modules include each other: clock -> dur -> clock"* ]]
}

@test "a file in lib/ outside a tier folder, and a header name in two folders, fail" {
	touch "$tree/lib/stray.c"
	cp "$tree/lib/base/clock.h" "$tree/lib/kernel/clock.h"
	LAYERING_ROOT=$tree run "$top/tests/layering.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"lib/stray.c: a file in lib/ itself belongs in a tier folder"* ]]
	[[ "$output" == *"lib/kernel/clock.h: a header of that name is in lib/base/ too"* ]]
}

@test "a header that includes a higher tier's header fails too" {
	# result.h (explain) reaching up to out.h (cli)
	sed -i '0,/^#include "/s//#include "out.h"\n&/' "$tree/lib/explain/result.h"
	LAYERING_ROOT=$tree run "$top/tests/layering.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *'lib/explain/result.h:'*'includes "out.h" of lib/cli/, a higher tier than lib/explain/'* ]]
}

@test "a source file over 800 lines fails, naming it and its length" {
	local f=$tree/lib/base/clock.c n
	yes '/* padding */' | head -n 801 >>"$f"
	n=$(wc -l <"$f")
	LAYERING_ROOT=$tree run "$top/tests/layering.sh"
	[ "$status" -eq 1 ]
	[[ "$output" == *"lib/base/clock.c: $n lines, more than 800"* ]]
}
