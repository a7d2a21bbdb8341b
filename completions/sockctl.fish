# fish completion for sockctl.
# Installed as share/fish/vendor_completions.d/sockctl.fish.

set -l __sockctl_commands probe-bind probe-connect connect echo-server udp-echo probe-udp inspect exporter trace explain help

# The command word, or nothing yet.
function __sockctl_command
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case -t --timeout --color
                set skip 1
            case '-*'
            case '*'
                echo $w
                return 0
        end
    end
    return 1
end

function __sockctl_needs_command
    not __sockctl_command >/dev/null
end

# __sockctl_using CMD...: the command word is one of CMD.
function __sockctl_using
    set -l c (__sockctl_command)
    or return 1
    contains -- $c $argv
end

# The positional arguments after the command, before the current word.
function __sockctl_positionals
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    set -l seen 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case -t --timeout --color --hold -w --wait --interval --send --expect --targets -j --jobs --max-conns --idle-timeout --count -c --proto --http-path --http-status --user
                set skip 1
            case '-*'
            case '*'
                if test $seen -eq 1
                    echo $w
                end
                set seen 1
        end
    end
end

# Service names from /etc/services, "HOST:" kept when the word has one.
function __sockctl_services
    test -r /etc/services; or return
    set -l tok (commandline -ct)
    set -l prefix ''
    if string match -q '*:*' -- $tok
        set prefix (string replace -r ':[^:]*$' ':' -- $tok)
    end
    awk '!/^[[:space:]]*(#|$)/ { print $1 }' /etc/services | sort -u | string replace -r '^' -- $prefix
end

# A Unix endpoint is being typed (a '/', or unix:PATH) where one goes.
function __sockctl_wants_path
    __sockctl_using probe-bind echo-server probe-connect connect udp-echo probe-udp
    or return 1
    string match -q -r '^unix:|/' -- (commandline -ct)
end

# File names for a Unix endpoint, "unix:" kept.
function __sockctl_paths
    set -l tok (commandline -ct)
    set -l prefix (string match -r '^unix:' -- $tok)
    __fish_complete_path (string replace -r '^unix:' '' -- $tok) | string replace -r '^' -- "$prefix"
end

# Where a port goes for each command.
function __sockctl_wants_port
    set -l c (__sockctl_command)
    or return 1
    set -l pos (__sockctl_positionals)
    set -l n (count $pos)
    set -l tok (commandline -ct)
    __sockctl_wants_path; and return 1
    switch $c
        case probe-bind echo-server udp-echo
            string match -q '*:*' -- $tok; and return 0
            test $n -eq 0; and return 0
            test $n -eq 1; and not string match -q -r ':|/|^@' -- $pos[1]; and return 0
        case probe-connect connect
            string match -q '*:*' -- $tok; and return 0
            test $n -gt 0; and test (math $n % 2) -eq 1; and not string match -q -r ':|/|^@' -- $pos[1]; and return 0
        case probe-udp
            test $n -eq 1; and not string match -q -r '/|^@|^unix:' -- $pos[1]; and return 0
    end
    return 1
end

complete -c sockctl -f

# Commands
complete -c sockctl -n __sockctl_needs_command -a probe-bind -d 'bind (and listen on) a port; say who holds it'
complete -c sockctl -n __sockctl_needs_command -a probe-connect -d 'connect to HOST PORT; name the cause of a failure'
complete -c sockctl -n __sockctl_needs_command -a connect -d 'alias of probe-connect'
complete -c sockctl -n __sockctl_needs_command -a echo-server -d 'TCP echo server'
complete -c sockctl -n __sockctl_needs_command -a udp-echo -d 'UDP echo server'
complete -c sockctl -n __sockctl_needs_command -a exporter -d 'Prometheus exporter: /probe and /metrics'
complete -c sockctl -n __sockctl_needs_command -a probe-udp -d 'send UDP datagrams and count the replies'
complete -c sockctl -n __sockctl_needs_command -a inspect -d 'diagnose live sockets: CLOSE_WAIT leaks, full queues'
complete -c sockctl -n __sockctl_needs_command -a trace -d 'follow a program'\''s sockets; explain failures'
complete -c sockctl -n __sockctl_needs_command -a explain -d 'explain an errno or getaddrinfo error'
complete -c sockctl -n __sockctl_needs_command -a help -d 'show the help of a command'
complete -c sockctl -n '__sockctl_using help' -a "$__sockctl_commands"

# Global options, before or after the command
complete -c sockctl -l json -d 'one JSON object per result on stdout'
complete -c sockctl -l openmetrics -d 'probe results in the OpenMetrics text format'
complete -c sockctl -s q -l quiet -d 'nothing on stdout; one line on stderr on failure'
complete -c sockctl -s v -l trace -d 'print each lifecycle stage to stderr'
complete -c sockctl -s 4 -d 'IPv4 only'
complete -c sockctl -s 6 -d 'IPv6 only'
complete -c sockctl -s t -l timeout -x -a '250ms 1s 5s 30s 1m' -d 'time limit of one attempt (default 5s)'
complete -c sockctl -l color -x -a 'auto always never' -d 'when to colour'
complete -c sockctl -s h -l help -d 'show the help'
complete -c sockctl -n __sockctl_needs_command -l version -d 'print the version'

# probe-bind
complete -c sockctl -n '__sockctl_using probe-bind' -s u -l udp -d 'probe UDP instead of TCP'
complete -c sockctl -n '__sockctl_using probe-bind' -l reuseaddr -d 'set SO_REUSEADDR before bind'
complete -c sockctl -n '__sockctl_using probe-bind' -l reuseport -d 'set SO_REUSEPORT before bind'
complete -c sockctl -n '__sockctl_using probe-bind' -l v6only -d 'set IPV6_V6ONLY: bind IPv6 alone'
complete -c sockctl -n '__sockctl_using probe-bind' -l hold -x -d 'stay bound for DUR, printing the address first'
complete -c sockctl -n '__sockctl_using probe-bind' -s w -l wait -x -d 'retry while the port is in use, for up to DUR'

# probe-connect, connect
complete -c sockctl -n '__sockctl_using probe-connect connect' -l wait -x -d 'retry until success or DUR has passed'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l interval -x -d 'pause between retries (default 1s)'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l send -x -d 'send TEXT after connecting'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l expect -x -d 'read until the reply matches this regex'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l all -d 'try and report every resolved address'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l targets -r -F -d 'read targets from FILE (- for stdin)'
complete -c sockctl -n '__sockctl_using probe-connect connect' -s j -l jobs -x -d 'probe at most N targets at once (default 32)'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l proto -x -a 'http redis postgres mysql smtp' -d 'after connecting, check that the service is ready'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l http-path -x -a '/ /health /healthz /ready /readyz /status' -d '--proto http: the path to GET (default /)'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l http-status -x -a '200 200,204 200,204,401 401 404' -d '--proto http: statuses that are ready too'
complete -c sockctl -n '__sockctl_using probe-connect connect' -l user -x -a '(__fish_complete_users)' -d '--proto postgres/mysql: the user named (default sockctl)'
complete -c sockctl -n '__sockctl_using probe-connect connect; and not __sockctl_wants_port; and not __sockctl_wants_path' -a '(__fish_print_hostnames)'

# echo-server
complete -c sockctl -n '__sockctl_using echo-server' -l upper -d 'reply upper-cased'
complete -c sockctl -n '__sockctl_using echo-server' -l max-conns -x -d 'serve at most N clients at once'
complete -c sockctl -n '__sockctl_using echo-server' -l idle-timeout -x -d 'close a client silent for DUR'
complete -c sockctl -n '__sockctl_using echo-server' -l once -d 'exit after the first client leaves'
complete -c sockctl -n '__sockctl_using echo-server' -l unlink -d 'take over a stale socket file at the path'
complete -c sockctl -n '__sockctl_using echo-server' -l count -x -d 'exit after N clients'

# udp-echo
complete -c sockctl -n '__sockctl_using udp-echo' -l upper -d 'reply upper-cased'
complete -c sockctl -n '__sockctl_using udp-echo' -l count -x -d 'exit after N datagrams'
complete -c sockctl -n '__sockctl_using udp-echo' -l unlink -d 'take over a stale socket file at the path'

# probe-udp
complete -c sockctl -n '__sockctl_using probe-udp' -s c -l count -x -d 'send N datagrams (default 3)'
complete -c sockctl -n '__sockctl_using probe-udp' -l interval -x -d 'pause between datagrams'
complete -c sockctl -n '__sockctl_using probe-udp' -l send -x -d 'payload to send'
complete -c sockctl -n '__sockctl_using probe-udp; and test (count (__sockctl_positionals)) -eq 0' -a '(__fish_print_hostnames)'

# inspect
complete -c sockctl -n '__sockctl_using inspect' -l pid -x -a '(__fish_complete_pids)' -d 'only the sockets of process PID'
complete -c sockctl -n '__sockctl_using inspect' -l sample -x -d 'time between the two reads (default 1s)'
complete -c sockctl -n '__sockctl_using inspect' -s l -l listening -d 'print what listens where instead of judging'
complete -c sockctl -n '__sockctl_using inspect' -F -d 'port, address:port or Unix path'

# trace
complete -c sockctl -n '__sockctl_using trace' -s p -l pid -x -a '(__fish_complete_pids)' -d 'attach to the running process PID (stops it at every system call)'
complete -c sockctl -n '__sockctl_using trace' -s o -l output -r -F -d 'write the trace to FILE instead of stderr'
complete -c sockctl -n '__sockctl_using trace' -l duration -x -d 'with -p: detach after DUR'
complete -c sockctl -n '__sockctl_using trace' -l slow -x -d 'a connect or receive blocked longer is a problem (default 5s)'
complete -c sockctl -n '__sockctl_using trace' -a '(__fish_complete_subcommand --fcs-skip=2)' -d command

# explain
complete -c sockctl -n '__sockctl_using explain' -s l -l list -d 'list every error sockctl explains'
complete -c sockctl -n '__sockctl_using explain' -a 'ok error usage dns-failure refused timeout unreachable port-in-use permission-denied address-not-available expect-failed reset resource-limit unhealthy close-wait-leak accept-queue-full not-accepting socket-file-gone syn-flood time-wait-pile peer-not-reading retransmitting fd-limit blocked-recv blocked-connect udp-drops not-ready unread-at-close' -d 'reason slug'
complete -c sockctl -n '__sockctl_using explain' -a 'expect-mismatch expect-closed expect-cut-off peer-closed no-address udp-silence udp-no-echo unix-missing unix-refused unix-queue-full unix-denied unix-wrong-type unix-in-use unix-no-dir unix-dir-denied unix-dgram-full unix-silence proto-reply proto-silent' -d 'condition'
complete -c sockctl -n '__sockctl_using explain' -a 'ECONNREFUSED ETIMEDOUT ENETUNREACH EHOSTUNREACH ENETDOWN EHOSTDOWN EADDRINUSE EACCES EPERM EADDRNOTAVAIL EAFNOSUPPORT ECONNRESET EPIPE ECONNABORTED EMFILE ENFILE ENOBUFS ENOMEM EPROTONOSUPPORT EINVAL ENETRESET EMSGSIZE' -d errno
complete -c sockctl -n '__sockctl_using explain' -a 'EAI_NONAME EAI_AGAIN EAI_FAIL EAI_NODATA EAI_ADDRFAMILY EAI_SERVICE EAI_FAMILY EAI_MEMORY EAI_SYSTEM' -d 'getaddrinfo error'

# Service names where a port goes; file names where a Unix endpoint goes
complete -c sockctl -n __sockctl_wants_port -a '(__sockctl_services)' -d service
complete -c sockctl -n __sockctl_wants_path -a '(__sockctl_paths)'

# exporter
complete -c sockctl -n '__sockctl_using exporter' -l listen -r -a '127.0.0.1:9812 0.0.0.0:9812 [::]:9812' -d 'where to listen (ADDR:PORT or a Unix path)'
complete -c sockctl -n '__sockctl_using exporter' -l allow -x -d 'probe only targets matching PATTERN (repeatable)'
complete -c sockctl -n '__sockctl_using exporter' -s j -l jobs -x -d 'run at most N probes at once (default 64)'
