# complete.zsh FPATH-DIR BIN-DIR 'WORDS' — type WORDS and a TAB into an
# interactive zsh (a pseudo-terminal, zsh/zpty) with _telltale from
# FPATH-DIR and telltale from BIN-DIR; print what the terminal showed.
zmodload zsh/zpty
zpty z env -i HOME=$PWD TERM=dumb PATH=$2:/usr/bin:/bin zsh -f -i
zpty -w z "fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; PS1='> '; bindkey -e"
zpty -w z $3$'\t'
sleep 1
zpty -w z $'\C-e\C-u echo; echo DONE\n'
out=""
# Blocking reads (the caller's timeout bounds them) until the echo ran.
while [[ $out != *DONE*DONE* ]]; do zpty -r z line && out+=$line; done
zpty -d z
print -r -- $out
