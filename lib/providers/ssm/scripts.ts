/**
 * The shell scripts Sticky sends with SSM Run Command (`AWS-RunShellScript`). Each is one bash
 * program, wrapped so the agent's `sh` only writes it to a private file and runs it with bash.
 * Every value from the catalog or the evidence goes in single-quoted or base64-encoded, never
 * interpolated, and nothing reads from standard input.
 *
 * Collection prints a framed payload (the parts gzip-compressed and base64-encoded) because Run
 * Command returns only the first 24,000 characters of output inline: a payload longer than
 * {@link CHUNK} characters stays in a private spool file on the instance and is fetched in
 * further commands of {@link CHUNK} characters each, then deleted.
 */

/** Characters of payload per command output, under Run Command's 24,000-character inline limit. */
export const CHUNK = 20_000;

/** A value as one single-quoted shell word. */
export const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');

/**
 * Wraps a bash program so `sh -c _script.sh` (how the agent runs the commands) writes it to a
 * private temporary file and runs it with bash; the exit code is the program's.
 */
function wrap(body: string): string {
  const end = 'STICKY_SCRIPT_END';
  if (body.includes(end)) throw new Error('script body holds its own delimiter');
  return `f=$(mktemp "\${TMPDIR:-/tmp}/sticky-script.XXXXXXXX") || exit 70
cat > "$f" <<'${end}'
${body}
${end}
bash "$f"; rc=$?; rm -f "$f"; exit $rc
`;
}

/** Shared by every script: a sane PATH and locale, a private work folder, the framing and the Runtime API client. */
const PRELUDE = `export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\${PATH:+:$PATH}"
export LC_ALL=C
umask 077
spooldir="\${TMPDIR:-/tmp}"
work=$(mktemp -d "$spooldir/sticky.XXXXXXXX") || { echo "STICKY-FAILED cannot create a temporary folder"; exit 70; }
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
out="$work/payload"
: > "$out"
part() {
  printf '%s %s\\n' "$(wc -c < "$2" | tr -d ' ')" "$1" >> "$out"
  cat "$2" >> "$out"
  echo >> "$out"
}
part_text() { printf '%s' "$2" > "$work/part"; part "$1" "$work/part"; }
rt() {
  addr=$1; host=""; port=""; path=""
  case "$addr" in
    ipv4@*|ipv6@*) hp=\${addr#*@}; port=\${hp##*:}; host=\${hp%:*}; host=\${host#[}; host=\${host%]} ;;
    unix@*) path=\${addr#unix@} ;;
    *) path=$addr ;;
  esac
  if command -v socat >/dev/null 2>&1; then
    if [ -n "$host" ]; then target="TCP:$host:$port"; else target="UNIX-CONNECT:$path"; fi
    printf '%s\\n' "$2" | timeout 5 socat -t 5 - "$target"
  elif command -v python3 >/dev/null 2>&1; then
    timeout 5 python3 -c 'import socket, sys
host, port, path, cmd = sys.argv[1:5]
s = socket.create_connection((host, int(port)), 5) if host else socket.socket(socket.AF_UNIX)
if not host:
    s.settimeout(5)
    s.connect(path)
s.sendall((cmd + "\\n").encode())
s.shutdown(socket.SHUT_WR)
while True:
    b = s.recv(65536)
    if not b:
        break
    sys.stdout.buffer.write(b)' "$host" "$port" "$path" "$2"
  else
    echo "neither socat nor python3 is installed on the instance to reach the Runtime API" >&2
    return 127
  fi
}
haproxy_master() {
  if [ -n "$pidfile" ] && [ -r "$pidfile" ]; then head -n 1 "$pidfile" | tr -dc '0-9'; return; fi
  p=$(systemctl show -p MainPID haproxy 2>/dev/null | cut -d = -f 2)
  if [ -n "$p" ] && [ "$p" != 0 ]; then echo "$p"; return; fi
  pgrep -o -x haproxy 2>/dev/null || true
}
haproxy_sources() {
  m=$(haproxy_master)
  if [ -n "$m" ] && [ -r "/proc/$m/cmdline" ]; then
    cwd=$(readlink "/proc/$m/cwd" 2>/dev/null || echo /)
    tr '\\0' '\\n' < "/proc/$m/cmdline" > "$work/cmdline"
    prev=""
    while IFS= read -r a; do
      if [ "$prev" = "-f" ]; then
        case "$a" in /*) ;; *) a="$cwd/$a" ;; esac
        if [ -d "$a" ]; then
          for f in "$a"/*.cfg; do [ -f "$f" ] && echo "$f"; done
        else
          echo "$a"
        fi
      fi
      prev=$a
    done < "$work/cmdline" > "$work/sources"
    if grep -qxF -- "$config" "$work/sources"; then cat "$work/sources"; return; fi
  fi
  echo "$config"
}
emit() {
  gzip -9 -c "$out" | base64 | tr -d '\\n' > "$work/b64"
  size=$(wc -c < "$work/b64" | tr -d ' ')
  sum=$(sha256sum "$work/b64" | cut -d ' ' -f 1)
  chunks=$(( (size + ${CHUNK} - 1) / ${CHUNK} ))
  [ "$chunks" -ge 1 ] || chunks=1
  if [ "$chunks" -gt 1 ]; then cp "$work/b64" "$spooldir/sticky-spool-$token" || { echo "STICKY-FAILED cannot spool the output"; exit 71; }; fi
  echo "STICKY-PAYLOAD 1 $size $chunks $sum"
  head -c ${CHUNK} "$work/b64"
  echo
  echo "STICKY-END"
}
find "$spooldir" -maxdepth 1 -name 'sticky-spool-*' -mmin +15 -delete 2>/dev/null || true`;

const token = (t: string) => {
  if (!/^[0-9a-f]{32}$/.test(t)) throw new Error(`bad spool token ${t}`);
  return t;
};

/** What the HAProxy collection script needs: paths on the instance. */
export interface HaproxyCollectInput {
  config: string;
  runtime?: string | undefined;
  pidFile?: string | undefined;
  token: string;
}

/**
 * Collects one HAProxy instance: `haproxy -v`, every configuration file the running master
 * loads, in order (its `-f` files and the `*.cfg` of its `-f` folders, read from the master's
 * command line; the catalog's file alone when the running process cannot be found or does not
 * load it), and, with a Runtime API address, `show servers state` and `show stat`.
 */
export function haproxyCollectScript(i: HaproxyCollectInput): string {
  return wrap(`${PRELUDE}
config=${q(i.config)}
runtime=${q(i.runtime ?? '')}
pidfile=${q(i.pidFile ?? '')}
token=${token(i.token)}
if haproxy -v > "$work/v" 2>&1; then part version "$work/v"; else part_text "error version" "haproxy -v failed: $(head -c 300 "$work/v")"; fi
haproxy_sources > "$work/src"
while IFS= read -r f; do
  if cp -- "$f" "$work/file" 2> "$work/err"; then part "file $f" "$work/file"; else part "error file $f" "$work/err"; fi
done < "$work/src"
if [ -n "$runtime" ]; then
  if rt "$runtime" "show servers state" > "$work/ss" 2> "$work/err"; then part "runtime show servers state" "$work/ss"; else part "error runtime show servers state" "$work/err"; fi
  if rt "$runtime" "show stat" > "$work/st" 2> "$work/err"; then part "runtime show stat" "$work/st"; else part "error runtime show stat" "$work/err"; fi
fi
emit`);
}

/** What the NGINX collection script needs: the binary and the main file on the instance. */
export interface NginxCollectInput {
  binary: string;
  config: string;
  token: string;
}

/** Collects one NGINX instance: `nginx -v` and `nginx -T -q -c FILE` (the configuration with every include, as NGINX resolves it). */
export function nginxCollectScript(i: NginxCollectInput): string {
  return wrap(`${PRELUDE}
bin=${q(i.binary)}
config=${q(i.config)}
token=${token(i.token)}
if "$bin" -v > "$work/v" 2>&1; then part version "$work/v"; else part_text "error version" "$bin -v failed: $(head -c 300 "$work/v")"; fi
if "$bin" -T -q -c "$config" > "$work/dump" 2> "$work/err"; then part "nginx -T" "$work/dump"; else part "error nginx -T" "$work/err"; fi
emit`);
}

/** Fetches chunk `index` (0-based) of a spooled payload; the last fetch deletes the spool file. */
export function fetchChunkScript(spoolToken: string, index: number, last: boolean): string {
  if (!Number.isInteger(index) || index < 1) throw new Error(`bad chunk index ${index}`);
  return wrap(`export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\${PATH:+:$PATH}"
spool="\${TMPDIR:-/tmp}/sticky-spool-${token(spoolToken)}"
[ -r "$spool" ] || { echo "STICKY-FAILED the collected output is no longer on the instance"; exit 3; }
echo "STICKY-CHUNK ${index}"
tail -c +${index * CHUNK + 1} "$spool" | head -c ${CHUNK}
echo
echo "STICKY-END"
${last ? 'rm -f "$spool"' : 'true'}`);
}

/** One file a config change writes: where, what it must read now, and how its new text is made. */
export interface FileWrite {
  path: string;
  /** sha256 of the text it must read now (trailing newlines ignored): the text as collected. */
  expect: string;
  /** sha256 of the text it must read after the change (trailing newlines ignored). */
  result: string;
  /** How the new text is made: lines spliced into the live file, or a file on the instance copied (a backup, for a rollback). */
  source: { splice: string } | { copy: string };
}

/** What a config change on an instance needs. */
export interface ConfigChangeInput {
  layer: 'haproxy' | 'nginx';
  config: string;
  files: FileWrite[];
  /** HAProxy: the files it must still load, in order (a file added or removed is drift). */
  sources?: string[];
  runtime?: string | undefined;
  pidFile?: string | undefined;
  binary?: string | undefined;
  reload: string;
  /** Backups are kept next to each file as `<file>.sticky-<stamp>.bak` (an apply); a rollback keeps its copy in the work folder only. */
  stamp?: string;
  /** What the change is, for the result lines ("apply" or "rollback"). */
  what: 'apply' | 'rollback';
}

/**
 * Splice instructions for awk: for each original line that changes, `<line>\t<count>` then the
 * lines it becomes (none when deleted).
 */
export function spliceInstructions(blocks: string[][], original: string[]): string {
  const out: string[] = [];
  blocks.forEach((block, i) => {
    if (block.length === 1 && block[0] === original[i]) return;
    out.push(`${i + 1}\t${block.length}`, ...block);
  });
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * Changes configuration files on the instance the safe way, in one script so nothing can change
 * between the checks and the write: takes a lock, refuses on drift (each file's hash must be the
 * one collected; for HAProxy the set of files it loads must be the same), builds every new file
 * in a private folder and checks its hash, validates the candidate set (`haproxy -c` with every
 * file in load order, `nginx -t` on a copy of the configuration folder), then writes each file
 * atomically (a temporary file renamed over it, mode and owner kept) after a backup, reloads
 * gracefully and waits for a new worker. Any failure after the first write, a failed reload, or
 * a signal restores every file and reloads the previous configuration, so a script that stops
 * half way leaves the old configuration in place and running.
 *
 * Result lines: `STICKY-STEP`, `STICKY-BACKUP <path>\t<backup>`, then `STICKY-DONE`, or one of
 * `STICKY-REFUSED` (exit 10, drift), `STICKY-INVALID` (exit 20, validation), `STICKY-FAILED`.
 */
export function configChangeScript(i: ConfigChangeInput): string {
  const lines: string[] = [];
  i.files.forEach((f, n) => {
    lines.push(`paths[${n}]=${q(f.path)}; expect[${n}]=${f.expect}; result[${n}]=${f.result}`);
    if ('splice' in f.source) lines.push(`printf '%s' ${q(b64(f.source.splice))} | base64 -d > "$work/ins${n}" || fail "cannot decode the change"`);
    else lines.push(`copyfrom[${n}]=${q(f.source.copy)}`);
  });
  for (const h of [...i.files.map((f) => f.expect), ...i.files.map((f) => f.result)]) if (!/^[0-9a-f]{64}$/.test(h)) throw new Error(`bad hash ${h}`);
  if (i.stamp !== undefined && !/^[0-9A-Za-z-]+$/.test(i.stamp)) throw new Error(`bad stamp ${i.stamp}`);
  return wrap(`${PRELUDE}
layer=${i.layer}
config=${q(i.config)}
runtime=${q(i.runtime ?? '')}
pidfile=${q(i.pidFile ?? '')}
bin=${q(i.binary ?? 'nginx')}
reload=${q(i.reload)}
stamp=${q(i.stamp ?? '')}
what=${i.what}
state=checking
declare -a paths expect result copyfrom written
step() { echo "STICKY-STEP $*"; }
refuse() { echo "STICKY-REFUSED $*"; exit 10; }
invalid() { echo "STICKY-INVALID $*"; exit 20; }
fail() { echo "STICKY-FAILED $*"; exit 30; }
norm_hash() { printf '%s' "$(cat -- "$1")" | sha256sum | cut -d ' ' -f 1; }
keep() { if [ -n "$stamp" ]; then echo "$1.sticky-$stamp.bak"; else echo "$work/keep$2"; fi; }
restore() {
  for n in "\${!written[@]}"; do
    p=\${paths[$n]}
    cp -p -- "$(keep "$p" "$n")" "$p.sticky-tmp-$$" && mv -f -- "$p.sticky-tmp-$$" "$p"
  done
}
on_exit() {
  if [ "$state" = writing ] || [ "$state" = reloading ]; then
    restore
    [ "$state" = reloading ] && timeout 20 sh -c "$reload" >/dev/null 2>&1
    echo "STICKY-STEP restored the previous configuration"
  fi
  cleanup
}
trap on_exit EXIT
trap 'echo "STICKY-FAILED stopped by a signal"; exit 31' INT TERM HUP
${lines.join('\n')}
exec 9> "$spooldir/sticky-apply.lock" || fail "cannot open the lock file"
flock -w 10 9 || fail "another change is being applied on this instance; try again"
if [ "$layer" = haproxy ]; then
  printf '%s' ${q(b64((i.sources ?? [i.config]).join('\n')))} | base64 -d > "$work/expected-sources"
  echo >> "$work/expected-sources"
  haproxy_sources > "$work/src"
  cmp -s "$work/src" "$work/expected-sources" || refuse "the files HAProxy loads changed since the evidence was collected; collect again before applying"
fi
for n in "\${!paths[@]}"; do
  p=\${paths[$n]}
  [ -f "$p" ] || refuse "$p is gone from the instance"
  if [ "$(norm_hash "$p")" != "\${expect[$n]}" ]; then
    if [ "$what" = rollback ]; then refuse "$p changed since Sticky wrote it; not rolled back"; fi
    refuse "$p changed since the evidence was collected; collect again before applying"
  fi
  if [ -n "\${copyfrom[$n]:-}" ]; then
    cp -- "\${copyfrom[$n]}" "$work/cand$n" 2>/dev/null || fail "the backup \${copyfrom[$n]} is gone"
  else
    awk -v ins="$work/ins$n" 'BEGIN { while ((getline h < ins) > 0) { split(h, a, "\\t"); k = a[1] + 0; c = a[2] + 0; has[k] = 1; b = ""; for (j = 0; j < c; j++) { getline l < ins; b = b l "\\n" } rep[k] = b } } { if (FNR in has) printf "%s", rep[FNR]; else print }' "$p" > "$work/cand$n" || fail "cannot build the new $p"
  fi
  [ "$(norm_hash "$work/cand$n")" = "\${result[$n]}" ] || fail "the new $p did not come out as planned; nothing was written"
done
step "no drift: $(printf '%s, ' "\${paths[@]}" | sed 's/, $//') unchanged since $([ "$what" = rollback ] && echo 'the change' || echo 'collection')"
candidate_of() {
  for n in "\${!paths[@]}"; do if [ "\${paths[$n]}" = "$1" ]; then echo "$work/cand$n"; return; fi; done
  echo "$1"
}
if [ "$layer" = haproxy ]; then
  set -- 
  while IFS= read -r s; do set -- "$@" -f "$(candidate_of "$s")"; done < "$work/src"
  if ! (cd "$(dirname -- "$config")" && timeout 20 haproxy -c "$@") > "$work/check" 2>&1; then
    msg=$( (grep -F '[ALERT]' "$work/check" || grep -v '^$' "$work/check") | sed 's/^\\[ALERT\\][^:]*: //' | head -n 2 | tr '\\n' ' ' | sed 's/ $//')
    for n in "\${!paths[@]}"; do msg=\${msg//"$work/cand$n"/\${paths[$n]}}; done
    invalid "haproxy -c rejected the change: $msg"
  fi
else
  base=$(dirname -- "$config")
  copy="$work/nginx"
  mkdir -p "$copy"
  (cd "$base" && tar --exclude='*.pid' --exclude='*.sock' --exclude='*.log' --exclude='*-body' --exclude='*-proxy' --exclude='*-fastcgi' --exclude='*-uwsgi' --exclude='*-scgi' --exclude='*.sticky-*' -cf - .) 2>/dev/null | (cd "$copy" && tar -xf -) || fail "cannot copy $base to validate the change"
  for n in "\${!paths[@]}"; do
    p=\${paths[$n]}
    case "$p" in "$base"/*) cp -- "$work/cand$n" "$copy/\${p#"$base"/}" ;; *) fail "$p is outside $base: cannot validate it in a copy" ;; esac
  done
  esc=$(printf '%s' "$base/" | sed 's/[][\\.*^$&/]/\\\\&/g')
  to=$(printf '%s' "$copy/" | sed 's/[\\|&]/\\\\&/g')
  grep -rlF -- "$base/" "$copy" 2>/dev/null | while IFS= read -r f; do sed -i "s|$esc|$to|g" "$f"; done
  if ! timeout 20 "$bin" -t -q -c "$copy/\${config#"$base"/}" > "$work/check" 2>&1; then
    msg=$(grep -v 'test failed' "$work/check" | grep -v '^$' | sed -E 's/^[0-9]{4}\\/[0-9]{2}\\/[0-9]{2} [0-9:]{8} \\[([a-z]+)\\] [0-9]+#[0-9]+: /nginx: [\\1] /' | head -n 2 | tr '\\n' ' ' | sed 's/ $//')
    invalid "nginx -t rejected the change: \${msg//"$copy/"/"$base/"}"
  fi
fi
workers() {
  if [ "$layer" = haproxy ] && [ -n "$runtime" ]; then rt "$runtime" "show info" 2>/dev/null | sed -n 's/^Pid: //p'; return; fi
  if [ "$layer" = haproxy ]; then m=$(haproxy_master); else
    pf=$(sed -n 's/^[[:space:]]*pid[[:space:]]\\{1,\\}\\([^;]*\\);.*/\\1/p' "$config" | head -n 1)
    m=$(head -n 1 "\${pf:-/run/nginx.pid}" 2>/dev/null | tr -dc '0-9')
  fi
  [ -n "$m" ] && pgrep -P "$m" 2>/dev/null | sort
}
before=$(workers)
state=writing
for n in "\${!paths[@]}"; do
  p=\${paths[$n]}
  cp -p -- "$p" "$(keep "$p" "$n")" || fail "cannot back up $p"
  written[$n]=1
  cp -p -- "$p" "$p.sticky-tmp-$$" && cat "$work/cand$n" > "$p.sticky-tmp-$$" && mv -f -- "$p.sticky-tmp-$$" "$p" || { rm -f -- "$p.sticky-tmp-$$"; fail "cannot write $p"; }
done
state=reloading
reloaded() {
  [ -z "$before" ] && return 0
  end=$(( $(date +%s) + 10 )); again=$(( $(date +%s) + 3 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    now=$(workers)
    if [ -n "$now" ] && [ -n "$(comm -13 <(echo "$before") <(echo "$now"))" ]; then return 0; fi
    if [ "$(date +%s)" -ge "$again" ]; then timeout 5 sh -c "$reload" >/dev/null 2>&1; again=$end; fi
    sleep 0.1
  done
  return 1
}
if ! timeout 20 sh -c "$reload" > "$work/reload" 2>&1; then
  fail "the reload (\${reload}) failed: $(tail -n 2 "$work/reload" | tr '\\n' ' ' | sed 's/ $//'); the previous configuration was restored"
fi
if ! reloaded; then
  fail "$layer did not start a new worker within 10 s of the reload; the previous configuration was restored"
fi
state=done
for n in "\${!paths[@]}"; do [ -n "$stamp" ] && echo "STICKY-BACKUP \${paths[$n]}	$(keep "\${paths[$n]}" "$n")"; done
step "validated and written, $layer reloaded"
echo "STICKY-DONE"`);
}

/** What a Runtime API change needs: the address on the instance, the server it changes and the state it must be in now. */
export interface RuntimeChangeInput {
  runtime: string;
  backend: string;
  server: string;
  /** The state the server must still be in (omitted for a rollback). */
  expect?: { opState: number; adminState: number };
  commands: string[];
}

/**
 * Sends Runtime API commands on the instance after checking, in the same script, that the server
 * is still in the state the plan was made from (`show servers state`). A reply other than empty
 * or "Done." stops at that command.
 */
export function runtimeChangeScript(i: RuntimeChangeInput): string {
  for (const n of [i.backend, i.server]) if (!/^[A-Za-z0-9_.:-]+$/.test(n)) throw new Error(`refusing a proxy or server name with unexpected characters: ${n}`);
  for (const c of i.commands) if (/[\r\n;]/.test(c)) throw new Error(`refusing a Runtime API command with a line break or ";": ${c}`);
  const check = i.expect
    ? `row=$(rt "$runtime" "show servers state" 2> "$work/err" | awk -v b=${q(i.backend)} -v s=${q(i.server)} '$2 == b && $4 == s { print $6, $7; exit }') || fail "HAProxy Runtime API $runtime: $(head -c 200 "$work/err")"
[ -n "$row" ] || refuse ${q(`${i.backend}/${i.server} is no longer in HAProxy`)}
if [ "$row" != ${q(`${i.expect.opState} ${i.expect.adminState}`)} ]; then
  refuse "${i.backend}/${i.server} changed since the evidence was collected (op_state \${row% *}, admin_state \${row#* }); collect again before applying"
fi`
    : '';
  return wrap(`${PRELUDE}
runtime=${q(i.runtime)}
refuse() { echo "STICKY-REFUSED $*"; exit 10; }
fail() { echo "STICKY-FAILED $*"; exit 30; }
${check}
${i.commands.map((c) => `reply=$(rt "$runtime" ${q(c)} 2>&1 | tr -d '\\r' | sed '/^$/d') || fail ${q(`HAProxy Runtime API: no answer to "${c}"`)}
case "$reply" in ""|Done|Done.|done|done.) ;; *) fail ${q(`HAProxy refused "${c}": `)}"$(echo "$reply" | head -n 1)" ;; esac`).join('\n')}
echo "STICKY-STEP no drift; Runtime API: ${i.commands.join('; ').replace(/["$`\\]/g, '')}"
echo "STICKY-DONE"`);
}
