# bash completion for sockctl                               -*- shell-script -*-
# Installed as share/bash-completion/completions/sockctl; or source it.

_sockctl_commands="probe-bind probe-connect connect echo-server udp-echo probe-udp inspect exporter trace explain help"
_sockctl_global_opts="--json --openmetrics -q --quiet -v --trace -4 -6 -t --timeout --color -h --help"

# _sockctl_opts COMMAND: the options of COMMAND (without the global ones).
_sockctl_opts() {
	case $1 in
	probe-bind) echo "-u --udp --reuseaddr --reuseport --v6only --hold -w --wait" ;;
	probe-connect | connect)
		echo "--wait --interval --send --expect --all --targets -j --jobs --proto --http-path --http-status --user" ;;
	echo-server) echo "--upper --max-conns --idle-timeout --once --count --unlink" ;;
	udp-echo) echo "--upper --count --unlink" ;;
	probe-udp) echo "-c --count --interval --send" ;;
	inspect) echo "--pid --sample -l --listening" ;;
	exporter) echo "--listen --allow -j --jobs" ;;
	trace) echo "-p --pid -o --output --duration --slow" ;;
	explain) echo "-l --list" ;;
	esac
}

# Options whose value is the next word.
_sockctl_takes_value() {
	case $1 in
	-t | --timeout | --color | --hold | -w | --wait | --interval | --send | \
		--expect | --targets | -j | --jobs | --max-conns | --idle-timeout | --count | -c | \
		--pid | --sample | --proto | --http-path | --http-status | --user | \
		--listen | --allow | -p | -o | --output | --duration | --slow)
		return 0 ;;
	esac
	return 1
}

# _sockctl_is_unix WORD: WORD is a Unix endpoint (a '/', unix:PATH, @NAME).
_sockctl_is_unix() {
	[[ $1 == */* || $1 == unix:* || $1 == @* ]]
}

# The service names of /etc/services (once per shell).
_sockctl_services() {
	if [ -z "${_sockctl_services_cache-}" ] && [ -r /etc/services ]; then
		_sockctl_services_cache=$(awk '!/^[[:space:]]*(#|$)/ { print $1 }' \
			/etc/services 2>/dev/null | sort -u)
	fi
	printf '%s\n' "${_sockctl_services_cache-}"
}

_sockctl_explain_words="ok error usage dns-failure refused timeout unreachable
port-in-use permission-denied address-not-available expect-failed reset
resource-limit unhealthy close-wait-leak accept-queue-full not-accepting
socket-file-gone syn-flood time-wait-pile peer-not-reading retransmitting fd-limit blocked-recv
blocked-connect udp-drops not-ready unread-at-close
expect-mismatch expect-closed expect-cut-off peer-closed no-address udp-silence udp-no-echo unix-missing unix-refused unix-queue-full unix-denied unix-wrong-type unix-in-use unix-no-dir unix-dir-denied unix-dgram-full unix-silence proto-reply proto-silent
ECONNREFUSED ETIMEDOUT ENETUNREACH EHOSTUNREACH ENETDOWN
EHOSTDOWN EADDRINUSE EACCES EPERM EADDRNOTAVAIL EAFNOSUPPORT ECONNRESET EPIPE
ECONNABORTED EMFILE ENFILE ENOBUFS ENOMEM EPROTONOSUPPORT EINVAL ENETRESET
EMSGSIZE EAI_NONAME EAI_AGAIN EAI_FAIL EAI_NODATA EAI_ADDRFAMILY EAI_SERVICE
EAI_FAMILY EAI_MEMORY EAI_SYSTEM"

_sockctl() {
	local -a w=()
	local i n cword=-1 tok cur prev raw cmd="" npos=0 first="" skip=0 c
	local port=0 hostpart=""

	# bash splits HOST:PORT at each ':' (COMP_WORDBREAKS); join the pieces
	# again so that w holds the words as typed and cword indexes cur.
	n=${#COMP_WORDS[@]}
	for ((i = 0; i < n; i++)); do
		tok=${COMP_WORDS[i]}
		if ((${#w[@]} > 1)) && [[ $tok == :* || ${w[${#w[@]} - 1]} == *: ]]; then
			w[${#w[@]} - 1]+=$tok
		else
			w+=("$tok")
		fi
		((i == COMP_CWORD)) && cword=$((${#w[@]} - 1))
	done
	if ((cword < 0)); then
		w+=("")
		cword=$((${#w[@]} - 1))
	fi
	cur=${w[cword]}
	raw=${COMP_WORDS[COMP_CWORD]-}
	prev=""
	((cword > 0)) && prev=${w[cword - 1]}
	# --opt=VALUE is split at '=' too: complete VALUE like a next word
	if [[ $raw == "=" ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur="" raw=""
	elif ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[COMP_CWORD - 1]} == "=" ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi

	# The command, and how many positional arguments come before cur.
	for ((i = 1; i < cword; i++)); do
		tok=${w[i]}
		[[ $tok == "=" ]] && continue
		if ((skip)); then
			skip=0
			continue
		fi
		if [[ $tok == -?* ]]; then
			_sockctl_takes_value "$tok" && skip=1
			continue
		fi
		if [[ -z $cmd ]]; then
			cmd=$tok
		else
			((npos == 0)) && first=$tok
			npos=$((npos + 1))
		fi
	done

	COMPREPLY=()
	case $prev in
	--color)
		mapfile -t COMPREPLY < <(compgen -W "auto always never" -- "$cur")
		return 0 ;;
	--targets | -o | --output)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	-p | --pid)
		mapfile -t COMPREPLY < <(compgen -W "$(cd /proc 2>/dev/null && printf '%s\n' [0-9]*)" -- "$cur")
		return 0 ;;
	--proto)
		mapfile -t COMPREPLY < <(compgen -W "http redis postgres mysql smtp" -- "$cur")
		return 0 ;;
	--http-path)
		mapfile -t COMPREPLY < <(compgen -W "/ /health /healthz /ready /readyz /status" -- "$cur")
		return 0 ;;
	--http-status)
		mapfile -t COMPREPLY < <(compgen -W "200 200,204 200,204,401 200,301,302 401 404" -- "$cur")
		return 0 ;;
	--user)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		return 0 ;;
	--listen)
		# ADDR:PORT (the exporter's 9812 by default), or a Unix path
		if [[ $cur == */* ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "127.0.0.1:9812 0.0.0.0:9812 [::]:9812" -- "$cur")
		fi
		return 0 ;;
	--allow)
		return 0 ;;
	-t | --timeout | --hold | -w | --wait | --interval | --idle-timeout)
		mapfile -t COMPREPLY < <(compgen -W "250ms 1s 5s 30s 1m 5m" -- "$cur")
		return 0 ;;
	--send | --expect | -j | --jobs | --max-conns | --count | -c)
		return 0 ;;
	esac

	# trace -- COMMAND [ARG...]: a command, then its own words (files)
	if [[ $cmd == trace ]]; then
		for ((i = 2; i < cword; i++)); do
			[[ ${w[i]} == -- ]] || continue
			if ((i == cword - 1)); then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			else
				compopt -o filenames 2>/dev/null
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return 0
		done
	fi
	if [[ $cur == -* ]]; then
		if [[ -z $cmd ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$_sockctl_global_opts --version" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_sockctl_opts "$cmd") $_sockctl_global_opts" -- "$cur")
		fi
		return 0
	fi
	if [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$_sockctl_commands" -- "$cur")
		return 0
	fi

	# A Unix endpoint (a '/', or after "unix:"): complete file names.
	case $cmd in
	probe-bind | echo-server | probe-connect | connect | inspect | udp-echo | probe-udp)
		if [[ $cur == */* || $cur == unix:* ]]; then
			compopt -o filenames 2>/dev/null
			local -a files=()
			mapfile -t files < <(compgen -f -- "${cur#unix:}")
			for c in "${files[@]}"; do
				[[ $cur == unix:* ]] && c=unix:$c
				# bash replaces only the piece after the last ':'
				COMPREPLY+=("${c#"${w[cword]%"$raw"}"}")
			done
			return 0
		fi ;;
	esac

	# Where a port goes, complete service names (after "HOST:" too).
	case $cmd in
	help)
		((npos == 0)) &&
			mapfile -t COMPREPLY < <(compgen -W "${_sockctl_commands% help}" -- "$cur")
		return 0 ;;
	explain)
		((npos == 0)) &&
			mapfile -t COMPREPLY < <(compgen -W "$_sockctl_explain_words --list" -- "$cur")
		return 0 ;;
	probe-bind | echo-server | udp-echo)
		# [ADDRESS:]PORT, or ADDRESS PORT
		if [[ $cur == *:* ]] || ((npos == 0)) ||
			{ ((npos == 1)) && [[ $first != *:* ]] && ! _sockctl_is_unix "$first"; }; then
			port=1
		fi ;;
	probe-connect | connect)
		# HOST:PORT..., or HOST PORT pairs
		if [[ $cur == *:* ]] ||
			{ ((npos % 2 == 1)) && [[ $first != *:* ]] && ! _sockctl_is_unix "$first"; }; then
			port=1
		fi ;;
	probe-udp)
		# HOST PORT; a Unix PATH or @NAME takes no port
		((npos == 1)) && ! _sockctl_is_unix "$first" && port=1 ;;
	inspect)
		# PORT or ADDRESS:PORT..., or a Unix PATH (above)
		port=1 ;;
	esac
	((port)) || return 0
	if [[ $cur == *:* ]]; then
		hostpart=${cur%:*}:
		cur=${cur##*:}
	fi
	for c in $(compgen -W "$(_sockctl_services)" -- "$cur"); do
		c=$hostpart$c
		# bash replaces only the piece after the last ':'; drop the rest
		COMPREPLY+=("${c#"${w[cword]%"$raw"}"}")
	done
	return 0
}

complete -F _sockctl sockctl
