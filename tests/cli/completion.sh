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
touch "$_tmp/capture-one.pcap"
check "a file after -r" "$_tmp/capture-one.pcap" "$(complete_words "$DUALSTACK" dissect -r "$_tmp/capture-o")"
check "a file as an operand" "$_tmp/capture-one.pcap" "$(complete_words "$DUALSTACK" addr "$_tmp/capture-")"

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
