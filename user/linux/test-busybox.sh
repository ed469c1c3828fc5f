#!/bin/busybox sh
# Debian's busybox on the kernel (suite `busybox`): its shell (ash) and applets, called by name as
# the shell prefers its own applets, working in a fresh directory under /tmp. Each test is a
# function test_<name> that ends with `expect...` checks of real output against values worked out
# independently (by hand, or with the host's coreutils for the digests); the runner prints
# `test busybox::<name> ... ok` or `... FAILED (<what differed>)` and the script exits 1 if any
# test failed.
#
# Under Linux with qemu-user: qemu-aarch64-static BUSYBOX sh user/linux/test-busybox.sh (ash runs
# the applets it does not fork itself by executing /proc/self/exe, which needs qemu-user registered
# with binfmt_misc, or else wrappers named after the applets on PATH).

umask 022
failures=0
newline='
'

# Fails the running test unless $2 (what came out) is $3 (what should have); $1 says what it is.
expect() {
    [ "$2" = "$3" ] && return 0
    failure="$1: got '$2', want '$3'"
    return 1
}

# Runs the command $2... and fails the running test unless it exits with status $1.
expect_status() {
    local want=$1 got
    shift
    "$@"
    got=$?
    [ "$got" -eq "$want" ] && return 0
    failure="$*: status $got, want $want"
    return 1
}

# Fails the running test unless $2 is a decimal number; $1 says what it is.
expect_number() {
    case $2 in
    '' | *[!0-9]*)
        failure="$1: '$2' is not a number"
        return 1
        ;;
    esac
}

# Its arguments, one a line: the expected output of a command that prints lines.
lines() {
    printf '%s\n' "$@"
}

# A new empty directory for the running test, under the script's own directory in /tmp.
workdir() {
    mkdir "$tmp/$1" && echo "$tmp/$1"
}

run() {
    failure=
    "test_$1"
    local status=$?
    [ -z "$failure" ] && [ "$status" -ne 0 ] && failure="the test ended with status $status"
    if [ -z "$failure" ]; then
        echo "test busybox::$1 ... ok"
    else
        failures=$((failures + 1))
        echo "test busybox::$1 ... FAILED (${failure//$newline/|})"
    fi
}

test_mktemp() {
    mkdir -p /tmp || { failure="mkdir -p /tmp failed"; return 1; }
    tmp=$(mktemp -d /tmp/test-busybox.XXXXXX) || { failure="mktemp -d failed"; return 1; }
    case $tmp in
    /tmp/test-busybox.??????) ;;
    *)
        failure="mktemp -d /tmp/test-busybox.XXXXXX made $tmp"
        return 1
        ;;
    esac
    expect_status 0 [ -d "$tmp" ] || return
    expect "ls -A of the new directory" "$(ls -A "$tmp")" ""
}

test_ls_l() {
    local d
    d=$(workdir ls_l) || return
    cd "$d" || return
    printf 'hello\n' >file
    mkdir sub
    # mode, links, owner, group, size, three date fields, name
    set -- $(ls -l file)
    expect "ls -l mode" "$1" "-rw-r--r--" || return
    expect "ls -l links" "$2" 1 || return
    expect "ls -l size" "$5" 6 || return
    expect "ls -l name" "$9" file || return
    set -- $(ls -ld sub)
    expect "ls -ld mode" "$1" "drwxr-xr-x" || return
    expect "ls" "$(ls)" "$(lines file sub)" || return
    expect "ls -a" "$(ls -a)" "$(lines . .. file sub)" || return
    cd / || return
}

test_chmod() {
    local d
    d=$(workdir chmod) || return
    : >"$d/f"
    chmod 750 "$d/f" || return
    set -- $(ls -l "$d/f")
    expect "ls -l after chmod 750" "$1" "-rwxr-x---" || return
    chmod u-x,o+r "$d/f" || return
    set -- $(ls -l "$d/f")
    expect "ls -l after chmod u-x,o+r" "$1" "-rw-r-xr--"
}

test_cat() {
    local d
    d=$(workdir cat) || return
    printf 'line one\nline two\n' >"$d/a"
    printf 'third\n' >"$d/b"
    expect "cat a" "$(cat "$d/a")" "$(lines 'line one' 'line two')" || return
    expect "cat a b" "$(cat "$d/a" "$d/b")" "$(lines 'line one' 'line two' third)" || return
    expect "cat < b" "$(cat <"$d/b")" third || return
    expect "cat - from a pipe" "$(echo piped | cat -)" piped
}

test_wc() {
    expect "wc -l" "$(printf 'a\nbb\nccc\n' | wc -l)" 3 || return
    expect "wc -c" "$(printf 'a\nbb\nccc\n' | wc -c)" 9 || return
    expect "wc -w" "$(echo 'one two  three' | wc -w)" 3 || return
    expect "seq 1 1000 | wc -l" "$(seq 1 1000 | wc -l)" 1000
}

test_sort() {
    expect "sort" "$(lines pear apple fig | sort)" "$(lines apple fig pear)" || return
    expect "sort -r" "$(lines pear apple fig | sort -r)" "$(lines pear fig apple)" || return
    expect "sort of numbers as text" "$(lines 10 9 100 | sort)" "$(lines 10 100 9)" || return
    expect "sort -n" "$(lines 10 9 100 -3 | sort -n)" "$(lines -3 9 10 100)" || return
    expect "sort -t: -k2 -n" "$(lines a:3 b:1 c:2 | sort -t: -k2 -n)" "$(lines b:1 c:2 a:3)"
}

test_uniq() {
    expect "uniq" "$(lines a a b a | uniq)" "$(lines a b a)" || return
    expect "sort | uniq" "$(lines a a b a | sort | uniq)" "$(lines a b)" || return
    expect "sort | uniq -d" "$(lines a c b a c | sort | uniq -d)" "$(lines a c)" || return
    expect "sort | uniq -u" "$(lines a c b a c | sort | uniq -u)" b
}

test_md5sum() {
    local d
    # Digests from the host's md5sum.
    expect "md5sum of the fox" "$(printf 'The quick brown fox jumps over the lazy dog' | md5sum)" \
        "9e107d9d372bb6826bd81d3542a419d6  -" || return
    expect "md5sum of nothing" "$(printf '' | md5sum)" \
        "d41d8cd98f00b204e9800998ecf8427e  -" || return
    d=$(workdir md5sum) || return
    seq 1 1000 >"$d/numbers"
    expect "md5sum of a file" "$(md5sum "$d/numbers")" \
        "53d025127ae99ab79e8502aae2d9bea6  $d/numbers"
}

test_find() {
    local d
    d=$(workdir find) || return
    mkdir -p "$d/a/b" || return
    : >"$d/a/b/c.txt"
    : >"$d/a/d.log"
    : >"$d/e.txt"
    expect "find -name '*.txt'" "$(find "$d" -name '*.txt' | sort)" \
        "$(lines "$d/a/b/c.txt" "$d/e.txt")" || return
    expect "find -type d" "$(find "$d" -type d | sort)" "$(lines "$d" "$d/a" "$d/a/b")" || return
    expect "find -type f -name 'd*'" "$(find "$d" -type f -name 'd*')" "$d/a/d.log" || return
    expect "find -type f | wc -l" "$(find "$d" -type f | wc -l)" 3
}

test_dd() {
    local d
    expect "dd bs=1024 count=64 | wc -c" \
        "$(dd if=/dev/zero bs=1024 count=64 2>/dev/null | wc -c)" 65536 || return
    # From the host's md5sum of 65536 zero bytes.
    expect "md5sum of dd's zeros" "$(dd if=/dev/zero bs=1024 count=64 2>/dev/null | md5sum)" \
        "fcd6bcb56c1689fcef28b57c22475bad  -" || return
    d=$(workdir dd) || return
    dd if=/dev/zero of="$d/zeros" bs=4096 count=3 2>/dev/null || return
    expect "wc -c of dd's file" "$(wc -c <"$d/zeros")" 12288
}

test_arithmetic() {
    local i=0 sum=0
    expect '$((3 + 4 * 5))' $((3 + 4 * 5)) 23 || return
    expect '$(((3 + 4) * 5))' $(((3 + 4) * 5)) 35 || return
    expect '$((17 / 5)) $((17 % 5))' "$((17 / 5)) $((17 % 5))" "3 2" || return
    expect '$((-7 / 2))' $((-7 / 2)) -3 || return
    expect '$((1 << 10)) $((0x10)) $((2 > 1))' "$((1 << 10)) $((0x10)) $((2 > 1))" \
        "1024 16 1" || return
    while [ $i -lt 100 ]; do
        i=$((i + 1))
        sum=$((sum + i))
    done
    expect "1 + ... + 100" $sum 5050 || return
    expect '$((i += 5)), then i' "$((i += 5)) $i" "105 105"
}

test_pipelines() {
    expect "seq | grep | sort -rn | head" "$(seq 1 20 | grep 1 | sort -rn | head -n 3)" \
        "$(lines 19 18 17)" || return
    expect "word count pipeline" \
        "$(echo 'the cat sat on the mat' | tr ' ' '\n' | sort | uniq -c | sort -rn | head -n 1 |
            awk '{ print $2, $1 }')" "the 2" || return
    expect "echo | tr | rev | cut" "$(echo hello world | tr a-z A-Z | rev | cut -c1-5)" DLROW
}

test_redirection() {
    local d
    d=$(workdir redirection) || return
    echo one >"$d/f"
    echo two >>"$d/f"
    expect "> then >>" "$(cat "$d/f")" "$(lines one two)" || return
    echo three >"$d/f"
    expect "> again truncates" "$(cat "$d/f")" three || return
    { echo out; echo err >&2; } >"$d/both" 2>&1
    expect "> 2>&1" "$(cat "$d/both")" "$(lines out err)" || return
    { echo out; echo err >&2; } 2>"$d/err" >/dev/null
    expect "2>" "$(cat "$d/err")" err || return
    exec 3>"$d/fd3"
    echo through fd 3 >&3
    exec 3>&-
    expect "exec 3>" "$(cat "$d/fd3")" "through fd 3" || return
    expect "wc -c" "$(wc -c <"$d/fd3")" 13
}

test_here_documents() {
    local name=world out
    out=$(
        cat <<EOF
hello $name
$((2 + 3))
EOF
    )
    expect "<<EOF" "$out" "$(lines 'hello world' 5)" || return
    out=$(
        cat <<'EOF'
hello $name
EOF
    )
    expect "<<'EOF'" "$out" 'hello $name' || return
    out=$(
		cat <<-EOF
		tabs stripped
		EOF
    )
    expect "<<-EOF" "$out" "tabs stripped" || return
    # Longer than a pipe holds, which ash writes from a child process.
    # 108894 bytes, from the host's seq 1 20000 | wc -c.
    expect "a 108894-byte here-document" "$(
        cat <<EOF | wc -c
$(seq 1 20000)
EOF
    )" 108894
}

test_background_wait() {
    local pid status
    (
        sleep 0.1
        exit 7
    ) &
    pid=$!
    expect_number '$!' "$pid" || return
    [ "$pid" != $$ ] || { failure="\$! is the shell's own pid $$"; return 1; }
    wait "$pid"
    status=$?
    expect "wait's status for (exit 7) &" $status 7 || return
    true &
    wait $!
    expect "wait's status for true &" $? 0
}

# ps and top read /proc: a background sleep shows with its parent, its state and its arguments.
test_ps_top() {
    local pid line
    local i=0
    sleep 5 &
    pid=$!
    # Until it has started sleeping (on a busy machine it may not have run yet), at most 4 s.
    while [ $i -lt 40 ]; do
        line=$(ps -o pid,ppid,stat,args | awk -v pid="$pid" '$1 == pid { print $2, $3, $4, $5 }')
        [ "$line" = "$$ S sleep 5" ] && break
        i=$((i + 1))
        sleep 0.1
    done
    expect "ps's line for sleep 5 &" "$line" "$$ S sleep 5" || return
    line=$(top -bn1 | awk -v pid="$pid" '$1 == pid { print $2, $(NF - 1), $NF }')
    expect "top's line for sleep 5 &" "$line" "$$ sleep 5" || return
    expect "top's first line" "$(top -bn1 | head -1 | cut -c1-4)" "Mem:" || return
    kill "$pid"
    wait "$pid"
    expect "wait's status for the killed sleep" $? 143 || return
    expect "ps's line once it is gone" "$(ps -o pid | awk -v pid="$pid" '$1 == pid')" ""
}

# Gives a signal sent to the shell some commands' time to run its trap (Linux runs it at once).
await_trap() {
    local i=0
    while [ -z "$got" ] && [ $i -lt 100 ]; do
        i=$((i + 1))
    done
}

test_trap() {
    local out
    got=
    trap 'got=USR1' USR1
    kill -USR1 $$
    await_trap
    expect "the USR1 trap after kill -USR1 \$\$" "$got" USR1 || return
    got=
    (kill -USR1 $$)
    await_trap
    expect "the USR1 trap after a subshell's kill -USR1 \$\$" "$got" USR1 || return
    # Ignored from here on, should a signal come late.
    trap '' USR1
    out=$(
        trap 'echo bye' EXIT
        echo hi
    )
    expect "an EXIT trap in a subshell" "$out" "$(lines hi bye)"
}

test_subshells() {
    local v=outer out
    (exit 3)
    expect "(exit 3)" $? 3 || return
    (false)
    expect "(false)" $? 1 || return
    ( (exit 4))
    expect "( (exit 4) )" $? 4 || return
    out=$(exit 5)
    expect "out=\$(exit 5)" $? 5 || return
    (v=inner)
    expect "a variable set in a subshell" "$v" outer || return
    expect "\$(echo \$v)" "$(echo $v)" outer || return
    ! true
    expect "! true" $? 1 || return
    false | true
    expect "false | true" $? 0 || return
    true | false
    expect "true | false" $? 1 || return
    sh -c 'exit 6'
    expect "sh -c 'exit 6'" $? 6
}

test_test() {
    local d
    expect_status 0 [ abc = abc ] || return
    expect_status 1 [ abc = abd ] || return
    expect_status 0 [ abc != abd ] || return
    expect_status 0 [ -z "" ] || return
    expect_status 1 [ -z x ] || return
    expect_status 0 [ -n x ] || return
    expect_status 0 [ 10 -gt 9 ] || return
    expect_status 1 [ 9 -gt 10 ] || return
    expect_status 0 [ -3 -lt 2 ] || return
    expect_status 0 [ 5 -eq 5 ] || return
    expect_status 0 [ 5 -ne 6 ] || return
    expect_status 0 [ 7 -ge 7 ] || return
    expect_status 0 [ 7 -le 8 ] || return
    expect_status 1 [ 8 -le 7 ] || return
    expect_status 0 test 2 -lt 10 || return
    expect_status 0 [ 2 \> 10 ] || return
    d=$(workdir test) || return
    : >"$d/file"
    expect_status 0 [ -d "$d" -a -f "$d/file" ] || return
    expect_status 1 [ -f "$d" -o -d "$d/file" ] || return
    expect_status 0 [ ! -e "$d/missing" ] || return
    expect_status 0 [ -s "$d/file" -o -e "$d/file" ] || return
    expect_status 2 [ 1 -eq ] 2>/dev/null
}

test_sed_awk() {
    local d
    expect "sed s///" "$(echo 'hello world' | sed 's/world/there/')" "hello there" || return
    expect "sed s///g" "$(echo a-b-c | sed 's/-/+/g')" a+b+c || return
    expect "sed -n 2p" "$(lines x y z | sed -n 2p)" y || return
    d=$(workdir sed_awk) || return
    lines old keep >"$d/f"
    sed -i 's/old/new/' "$d/f" || return
    expect "sed -i" "$(cat "$d/f")" "$(lines new keep)" || return
    expect "awk print" "$(echo 'one two' | awk '{ print $2, $1 }')" "two one" || return
    expect "awk sum" "$(lines '1 2' '3 4' | awk '{ s += $1 * $2 } END { print s }')" 14 || return
    expect "awk -F:" "$(echo a:b:c | awk -F: '{ print $3 $1 }')" ca || return
    expect "awk gsub" "$(echo 'hello world' | awk '{ gsub(/o/, "0"); print }')" \
        "hell0 w0rld" || return
    expect "awk printf %.2f" "$(awk 'BEGIN { printf "%.2f\n", 1 / 3 }')" 0.33
}

test_head_tail() {
    local d
    expect "head -n 3" "$(seq 1 10 | head -n 3)" "$(lines 1 2 3)" || return
    expect "tail -n 2" "$(seq 1 10 | tail -n 2)" "$(lines 9 10)" || return
    expect "tail -n +9" "$(seq 1 10 | tail -n +9)" "$(lines 9 10)" || return
    expect "head -c 3" "$(printf abcdef | head -c 3)" abc || return
    expect "tail -c 2" "$(printf abcdef | tail -c 2)" ef || return
    d=$(workdir head_tail) || return
    seq 1 1000 >"$d/f"
    expect "tail -n 1 of a file" "$(tail -n 1 "$d/f")" 1000 || return
    expect "head -n 1 of a file" "$(head -n 1 "$d/f")" 1
}

test_cut() {
    expect "cut -d: -f2" "$(echo a:b:c | cut -d: -f2)" b || return
    expect "cut -d: -f1,3" "$(echo a:b:c | cut -d: -f1,3)" a:c || return
    expect "cut -c2-4" "$(echo abcdef | cut -c2-4)" bcd
}

test_tr() {
    expect "tr a-z A-Z" "$(echo hello | tr a-z A-Z)" HELLO || return
    expect "tr -d" "$(echo hello | tr -d l)" heo || return
    expect "tr -s" "$(echo 'a  b   c' | tr -s ' ')" "a b c" || return
    expect "tr to newlines" "$(echo a,b | tr , '\n')" "$(lines a b)"
}

test_files() {
    local d
    d=$(workdir files) || return
    cd "$d" || return
    mkdir -p one/two/three || return
    expect_status 0 [ -d one/two/three ] || return
    echo data >one/two/three/f
    cp -r one copy || return
    expect "cp -r" "$(cat copy/two/three/f)" data || return
    mv copy moved || return
    expect_status 1 [ -e copy ] || return
    expect "mv" "$(cat moved/two/three/f)" data || return
    ln -s moved/two/three/f link || return
    expect "readlink" "$(readlink link)" moved/two/three/f || return
    expect "cat through the link" "$(cat link)" data || return
    set -- $(ls -l link)
    expect "ls -l of a symbolic link" "$1 ${10} ${11}" "lrwxrwxrwx -> moved/two/three/f" || return
    expect_status 0 [ -L link ] || return
    mv moved/two/three/f moved/g || return
    expect_status 1 [ -e link ] || return
    rm -r one moved link || return
    expect "ls -A after rm -r" "$(ls -A)" "" || return
    cd / || return
}

test_seq() {
    expect "seq 5" "$(seq 5)" "$(lines 1 2 3 4 5)" || return
    expect "seq 2 3 11" "$(seq 2 3 11)" "$(lines 2 5 8 11)" || return
    expect "seq 3 -1 1" "$(seq 3 -1 1)" "$(lines 3 2 1)" || return
    expect "seq -s, 1 4" "$(seq -s, 1 4)" 1,2,3,4
}

test_printf() {
    expect "%d-%s-%03d" "$(printf '%d-%s-%03d' 42 abc 7)" 42-abc-007 || return
    expect "%x %o" "$(printf '%x %o' 255 8)" "ff 10" || return
    expect "%5s| %-4s|" "$(printf '%5s|%-4s|' ab cd)" "   ab|cd  |" || return
    expect "the format again for more arguments" "$(printf '<%s>' a b c)" "<a><b><c>"
}

test_basename_dirname() {
    expect "basename" "$(basename /a/b/c.txt)" c.txt || return
    expect "basename with suffix" "$(basename /a/b/c.txt .txt)" c || return
    expect "dirname" "$(dirname /a/b/c.txt)" /a/b || return
    expect "dirname of a name" "$(dirname c.txt)" . || return
    expect "dirname /" "$(dirname /a)" /
}

test_date() {
    local before after
    before=$(date +%s)
    expect_number "date +%s" "$before" || return
    expect "date -u -d @86400" "$(date -u -d @86400 +%Y-%m-%d)" 1970-01-02 || return
    sleep 1.1
    after=$(date +%s)
    expect_number "date +%s" "$after" || return
    [ "$after" -gt "$before" ] || failure="date +%s was $before, then $after after sleep 1.1"
}

test_sleep() {
    expect_status 0 sleep 0.1 || return
    expect_status 0 sleep 0
}

test_true_false() {
    true
    expect "true" $? 0 || return
    false
    expect "false" $? 1 || return
    expect "true && false || echo" "$(true && false || echo fell through)" "fell through"
}

test_read_loop() {
    local out
    out=$(lines 'a 1' 'b 2' 'c 3' | {
        total=0
        while read -r name number; do
            printf '%s' "$name"
            total=$((total + number))
        done
        echo " $total"
    })
    expect "while read from a pipe" "$out" "abc 6" || return
    IFS=: read -r first second <<EOF
x:y:z
EOF
    expect "IFS=: read" "$first|$second" "x|y:z"
}

test_cleanup() {
    cd / || return
    rm -r "$tmp" || return
    expect_status 1 [ -e "$tmp" ]
}

run mktemp
if [ ! -d "$tmp" ]; then
    echo "test-busybox: no directory to work in, so the other tests were not run"
    exit 1
fi
for name in ls_l chmod cat wc sort uniq md5sum find dd arithmetic pipelines redirection \
    here_documents background_wait ps_top trap subshells test sed_awk head_tail cut tr files seq printf \
    basename_dirname date sleep true_false read_loop cleanup; do
    run $name
done
[ "$failures" -eq 0 ]
