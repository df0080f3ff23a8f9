# successful execve calls (programs started) from `strace -f` output, by program path
{ pid = "main"; if (match($0, /^\[pid +[0-9]+\]/)) { pid = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", pid) } }
/execve\("/ { match($0, /execve\("[^"]*"/); prog = substr($0, RSTART + 8, RLENGTH - 9)
  if ($0 ~ /<unfinished \.\.\.>$/) { pending[pid] = prog; next }
  if ($0 !~ /= -1 E/) n[prog]++; next }
/<\.\.\. execve resumed>/ { if (!($0 ~ /= -1 E/) && pid in pending) n[pending[pid]]++; delete pending[pid] }
END { for (p in n) printf "%7d %s\n", n[p], p }
