# bash completion for telltale(1) — commands; each command's options, read
# from its own --help (so they are never out of date: the same source as
# the man page); a FILE or DIR an option takes; scenario files (*.lua) and
# directories for paths; a command after wrap's "--".
# Installed as share/bash-completion/completions/telltale.

# _telltale_options BIN CMD — "--opt" or "--opt=ARG" per option of CMD:
# ARG is the metavariable --help shows (FILE, DIR, N, ...), if any.
_telltale_options() {
    "$1" "$2" --help 2> /dev/null |
        sed -n 's/^ *\(-[a-z], \)\{0,1\}\(--[a-z][a-z-]*\)\( \([A-Z][A-Z=_.]*\)\)\{0,1\}  .*/\2=\4/p'
}

_telltale() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local bin=${COMP_WORDS[0]/#\~/$HOME} cmd=${COMP_WORDS[1]:-} i opt arg opts=()
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        mapfile -t COMPREPLY < <(compgen -W "run check list wrap serve version help" -- "$cur")
        return 0
    fi
    case $cmd in run | check | list | wrap | serve) ;; *) return 0 ;; esac
    # wrap NAME [options] -- COMMAND: after "--", a command, then its files.
    for ((i = 2; i < COMP_CWORD; i++)); do
        if [ "$cmd" = wrap ] && [ "${COMP_WORDS[i]}" = "--" ]; then
            if [ "$i" -eq $((COMP_CWORD - 1)) ]; then
                mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
            else
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            fi
            return 0
        fi
    done
    while IFS= read -r opt; do
        arg=${opt#*=}
        opt=${opt%%=*}
        opts+=("$opt")
        [ "$prev" = "$opt" ] || continue
        # The value of an option: files, directories, or nothing to offer.
        case $arg in
            FILE | CONFIG) compopt -o filenames 2> /dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
            DIR) compopt -o filenames 2> /dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        esac
        [ -n "$arg" ] && return 0
    done < <(_telltale_options "$bin" "$cmd")
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${opts[*]}" -- "$cur")
        return 0
    fi
    case $cmd in
        run | check | list | serve)
            compopt -o filenames 2> /dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X '!*.lua' -- "$cur")
            ;;
    esac
    return 0
}
complete -F _telltale telltale
