#!/usr/bin/env bash
# Usage: scripts/check_man.sh LRFIND MANPAGE
# Keeps the man page in step with the CLI (ctest: man_options). For `LRFIND --help`
# (the range test) and `LRFIND COMMAND --help` for every COMMAND its usage lists:
#   - every option it prints (long, and the short alias) appears in the page's
#     section for that command: OPTIONS for the range test, "LRFIND COMMAND" for a
#     command (a missing section fails, so a new command needs one);
#   - every long option is an item (a .TP tag) somewhere in the page;
#   - every option tagged in a command's section exists in its --help (no stale docs).
# Then the check must catch a page with one option removed and one invented.
# Ends with "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 LRFIND MANPAGE" >&2
    exit 2
fi
lrfind=$1
page=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The page as "SECTION<TAB>tag|text<TAB>line", with roff escapes removed.
flatten() {
    sed -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\-/-/g' -e 's/\\&//g' -e 's/\\(aq/'"'"'/g' "$1" |
        awk '/^\.SH/ { s = $0; sub(/^\.SH +/, "", s); gsub(/"/, "", s); sect = s; next }
             /^\.TP/ { tag = 1; next }
             { print sect "\t" (tag ? "tag" : "text") "\t" $0; tag = 0 }'
}

# The options a --help text defines: "-x --long" or "--long" per option line.
help_options() {
    sed -n -E 's/^ {2,}(-([A-Za-z]), +)?--([a-z0-9][a-z0-9-]*).*/\2 --\3/p'
}

# Does ERE $1 occur as a whole option word in stdin? (grep -c reads all of stdin: no
# SIGPIPE for a writer under pipefail, as grep -q could cause.)
has_word() {
    grep -c -E -- "(^|[^A-Za-z0-9-])$1(\$|[^A-Za-z0-9-])" >/dev/null
}

passed=0
failed=0
quiet=0
fail() {
    failed=$((failed + 1))
    [ "$quiet" = 1 ] || echo "FAIL: $*" >&2
}
expect() { # expect MESSAGE COMMAND...: counts the command's success, MESSAGE on failure
    local message=$1
    shift
    if "$@"; then passed=$((passed + 1)); else fail "$message"; fi
}
tags() { awk -F'\t' -v s="$2" '$2 == "tag" && (s == "" || $1 == s) { print $3 }' "$1"; }

# Runs every check of one page; counts into passed/failed.
check_page() {
    local flat=$work/flat
    flatten "$1" >"$flat"
    local commands
    commands=$("$lrfind" --help | sed -n -E 's/^(Usage:)? +lrfind ([a-z][a-z-]*) .*/\2/p')
    local cmd
    for cmd in "" $commands; do
        local section name help
        if [ -z "$cmd" ]; then
            section=OPTIONS name="lrfind"
        else
            section="LRFIND ${cmd^^}" name="lrfind $cmd"
        fi
        # shellcheck disable=SC2086
        help=$("$lrfind" $cmd --help | help_options)
        expect "'$name --help' lists no options" test -n "$help"
        local text=$work/section
        awk -F'\t' -v s="$section" '$1 == s { print $3 }' "$flat" >"$text"
        if [ ! -s "$text" ]; then
            fail "$name: no section '.SH \"$section\"' in the man page"
            continue
        fi
        local short long
        while read -r short long; do
            if [ -z "$long" ]; then long=$short short=""; fi
            expect "$name $long: not in section $section" has_word "$long" <"$text"
            if [ -n "$short" ]; then
                expect "$name -$short ($long): not in section $section" has_word "-$short" <"$text"
            fi
            expect "$name $long: never an item (.TP tag) of the man page" \
                has_word "$long" < <(tags "$flat" "")
        done <<<"$help"
        local tagged
        tagged=$(tags "$flat" "$section" | grep -o -E -- '--[a-z0-9][a-z0-9-]*' | sort -u)
        for long in $tagged; do
            expect "$name: the man page documents $long, which '$name --help' does not list" \
                grep -c -x -F -- "$long" < <(awk '{ print $NF }' <<<"$help") >/dev/null
        done
    done
}

check_page "$page"
real_failed=$failed

# The check must fail on a page that lost an option and on one that invents one.
last=$("$lrfind" --help | help_options | tail -n 1 | awk '{ print $NF }')
roff=${last//-/\\-}
grep -v -F -e "$roff" "$page" >"$work/missing.1"
sed '/^\.SH OPTIONS/a .TP\n.B \\-\\-no\\-such\\-option' "$page" >"$work/invented.1"
for bad in missing invented; do
    before_failed=$failed before_passed=$passed
    quiet=1
    check_page "$work/$bad.1"
    quiet=0
    caught=$((failed - before_failed))
    failed=$before_failed passed=$before_passed
    expect "the check passes a page with an option $bad ($last)" test "$caught" -gt 0
done

[ "$real_failed" -eq 0 ] || echo "Document the options above in $page (see its first lines)." >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
