#!/bin/bash
# Shell completion comes from the tables the parser uses: every option a
# command's --help names is in its --complete-options list, and the bash
# script, sourced, completes commands, reach's roles, options and file
# names (compgen at a few positions).
. "$(dirname "$0")/lib.sh"

for c in addr serve load resolve connect proxy dissect "reach serve" "reach check"; do
	# shellcheck disable=SC2086 # reach's role is a word
	listed=$("$DUALSTACK" $c --complete-options)
	# shellcheck disable=SC2086
	missing=$("$DUALSTACK" $c --help | grep -oE -- '(^|[ ,\[])--[a-z][a-z0-9-]*' |
		grep -oE -- '--[a-z0-9-]+' | sort -u | while read -r o; do
			grep -qxF -- "$o" <<<"$listed" || printf '%s ' "$o"
		done)
	check "$c: every option in --help is in the completion" "" "$missing"
done
# The commands whose first word is a mode: each mode's list is its own
# table; together they cover the command's --help and each mode's.
for c in "firewall generate check test" "ra watch learn solicit" \
	"mcast listen send ping check"; do
	cmd=${c%% *} listed= helps=$("$DUALSTACK" "$cmd" --help)
	for m in ${c#* }; do
		listed+=$("$DUALSTACK" "$cmd" "$m" --complete-options)$'\n'
		helps+=$'\n'$("$DUALSTACK" "$cmd" "$m" --help)
	done
	missing=$(grep -oE -- '(^|[ ,\[])--[a-z][a-z0-9-]*' <<<"$helps" |
		grep -oE -- '--[a-z0-9-]+' | sort -u | while read -r o; do
			grep -qxF -- "$o" <<<"$listed" || printf '%s ' "$o"
		done)
	check "$cmd: every option in --help is in its modes' completion" "" "$missing"
done
run_ds mcast listen --complete-options
check "mcast listen: --source listed" "--source" "$(grep -x -- --source <<<"$out")"
check "mcast listen: send's --no-loop not listed" "" "$(grep -x -- --no-loop <<<"$out")"
# The list must be the parser's: an option the parser lacks is not in it.
run_ds serve --complete-options
case "$out" in *--frobnicate*) not_ok "serve: no invented option" ;; *) ok "serve: no invented option" ;; esac
check "serve: --listen listed" "--listen" "$(grep -x -- --listen <<<"$out")"

"$DUALSTACK" completion bash >"$_tmp/dualstack.bash"
check "completion bash: exit 0" 0 "$?"
# complete WORDS...: COMPREPLY for the last word, one per line, sorted.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_dualstack; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$_tmp/dualstack.bash" "$@"
}
check "a command" "serve" "$(complete_words "$DUALSTACK" se)"
check "reach's roles" "check" "$(complete_words "$DUALSTACK" reach ch)"
check "an option of serve" "--listen" "$(complete_words "$DUALSTACK" serve --lis)"
check "an option of reach check" "--advertise" "$(complete_words "$DUALSTACK" reach check --adv)"
check "dns's options" "--server" "$(complete_words "$DUALSTACK" dns --ser)"
check "doctor's options" "--probe" "$(complete_words "$DUALSTACK" doctor --pro)"
check "firewall's subcommands" "generate" "$(complete_words "$DUALSTACK" firewall gen)"
check "an option of firewall check" "--ip6tables" "$(complete_words "$DUALSTACK" firewall check --ip6)"
check "ra's modes" "solicit" "$(complete_words "$DUALSTACK" ra sol)"
check "an option of ra watch" "--flood-rate" "$(complete_words "$DUALSTACK" ra watch --flo)"
check "mcast's subcommands" "send" "$(complete_words "$DUALSTACK" mcast se)"
check "an option of mcast send" "--no-loop" "$(complete_words "$DUALSTACK" mcast send --no-)"
touch "$_tmp/capture-one.pcap"
check "a file after -r" "$_tmp/capture-one.pcap" "$(complete_words "$DUALSTACK" dissect -r "$_tmp/capture-o")"
check "a file as an operand" "$_tmp/capture-one.pcap" "$(complete_words "$DUALSTACK" addr "$_tmp/capture-")"
check "a file after --file" "$_tmp/capture-one.pcap" "$(complete_words "$DUALSTACK" firewall check --file "$_tmp/capture-o")"

for sh in zsh fish; do
	"$DUALSTACK" completion $sh >"$_tmp/dualstack.$sh"
	check "completion $sh: exit 0" 0 "$?"
	if command -v $sh >/dev/null; then
		$sh -n "$_tmp/dualstack.$sh"
		check "completion $sh: the script parses" 0 "$?"
	fi
done
run_ds completion tcsh
check "completion tcsh: usage error" 2 "$rc"

done_testing
