#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# overt inspect against hostile inputs: an archive whose inner compression
# only an external program reads (libarchive would exec lrzip or lzop from
# PATH) is reported and nothing runs, and --extract says which file it
# could not write and why (a full file system, a dir that cannot be made).
source "$(dirname "$0")/lib.sh"

# --- no external programs -----------------------------------------------------
# A fake lrzip and lzop first in PATH: running either leaves a mark.
mkdir bin
for p in lrzip lzop grzip; do
	printf '#!/bin/sh\ntouch "%s/ran-%s"\ncat >/dev/null\n' "$TMP" "$p" >"bin/$p"
	chmod 755 "bin/$p"
done
printf 'LRZI\0\006%064d' 0 | gzip >lrz.tar.gz
printf '\211LZO\0\r\n\032\n%064d' 0 | gzip >lzo.gz
mkdir pkg && cp lrz.tar.gz pkg/inner.tgz && tar czf outer.tgz pkg
for f in lrz.tar.gz lzo.gz outer.tgz; do
	run env PATH="$TMP/bin:/usr/bin:/bin" "$OVERT" inspect --format json "$f"
	expect_json_lines "$f: json"
	expect_out '"rule":"inspect.external-filter"' "$f: reported as needing an external program"
done
run env PATH="$TMP/bin:/usr/bin:/bin" "$OVERT" inspect lrz.tar.gz
expect_out "compressed with lrzip, which only an external program reads" "the text says why"
[ -z "$(ls "$TMP" | grep '^ran-')" ] && ok || fail "an external decompressor ran: $(ls "$TMP" | grep '^ran-')"
# Ordinary archives still open: gzip, bzip2, xz and zstd tarballs.
rm pkg/inner.tgz
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import inspect_gen
open("pkg/x.js", "w").write(inspect_gen.bad_js())' "$SRCDIR/tests/integration"
for z in gzip bzip2 xz zstd; do
	command -v "$z" >/dev/null || continue
	tar cf - pkg | "$z" -c >"pkg.tar.$z"
	run "$OVERT" inspect --format json "pkg.tar.$z"
	grep -q '"rule":"obfuscation.*"member":"pkg/x.js"' "$TMP/out" && ok || fail "$z tarball: the member is read"
done

# --- past the first GiB ----------------------------------------------------------
# Vectorscan scans a blob in 1 GiB pieces: a base64 table in the second
# piece must be decoded at its own offset (a sparse file: no disk used).
truncate -s $((1 << 30)) big.js
python3 -c 'import base64, sys
words = ["bigmodel.cn", "dashscope.aliyuncs.com", "api.deepseek.com", "siliconflow.cn"]
lits = ",".join("\"%s\"" % base64.b64encode(w.encode()).decode() for w in words)
open("big.js", "ab").write(("\nvar Lb=[%s];\n" % lits).encode())'
run "$OVERT" inspect --format json big.js
expect_out '"rule":"obfuscation.encoded-table","severity":"high","file":"big.js","offset":1073741833' \
	"a table past 1 GiB is found at its offset"
rm -f big.js

# --- names from the inspected tree in errors ---------------------------------
mkdir tree
printf 'PK\003\004not a zip' >"tree/"$'evil\e]0;pwn\a\u202e.zip'
run "$OVERT" inspect tree
expect_status 4 "a damaged archive in a folder: exit 4"
expect_err 'tree/evil\u{001B}]0;pwn\u{0007}\u{202E}.zip' "its name is shown escaped"
grep -q $'\e' "$TMP/err" && fail "an escape in a file name reached the terminal" || ok

# --- --extract write errors ---------------------------------------------------
python3 - "$SRCDIR/tests/integration" <<'PY'
import shutil, sys
sys.path.insert(0, sys.argv[1])
import inspect_gen
shutil.copy("/bin/true", "big.elf")
js = b'"use strict";\n' + b"var a = 1;\n" * 40000   # 440 KB of JavaScript
with open("big.elf", "ab") as f:
    f.write(inspect_gen.bun_payload(js))
PY
run "$OVERT" inspect --extract big.elf/sub big.elf
expect_status 4 "--extract into a dir that cannot be made: exit 4"
expect_err "cannot create 'big.elf/sub': Not a directory" "names the dir and the cause"
if unshare -rm true 2>/dev/null; then
	mkdir full
	run unshare -rm sh -c 'mount -t tmpfs -o size=64k tmpfs full && exec "$0" inspect --extract full big.elf' "$OVERT"
	expect_status 4 "--extract into a full file system: exit 4"
	expect_err "cannot write 'full/root_cli.js': No space left on device" "names the file and the cause"
else
	echo "skipped: unshare -rm is not allowed here"
fi
# Two modules whose names clean to the same file: both are kept.
python3 - <<'PY'
import shutil, struct
mods = [(b"/$bunfs/root/a/b.js", b"var first = 1;\n"), (b"/$bunfs/root/a_b.js", b"var second = 2;\n")]
strings, recs = b"", b""
for name, js in mods:
    no = len(strings); strings += name + b"\0"
    jo = len(strings); strings += js + b"\0"
    recs += struct.pack("<8I4B", no, len(name), jo, len(js), 0, 0, 0, 0, 1, 1, 1, 0)
graph = strings + recs
offsets = struct.pack("<QIIIIII", len(graph), len(strings), len(recs), 0, len(graph), 0, 0)
payload = graph + offsets + b"\n---- Bun! ----\n"
shutil.copy("/bin/true", "two.elf")
open("two.elf", "ab").write(payload + struct.pack("<Q", len(payload) + 8))
PY
run "$OVERT" inspect --extract two two.elf
expect_status 0 "two modules: exit 0"
[ "$(cat two/root_a_b.js)" = "var first = 1;" ] && ok || fail "the first module is root_a_b.js"
[ "$(cat two/root_a_b-2.js)" = "var second = 2;" ] && ok || fail "the second is root_a_b-2.js, not over the first"

run "$OVERT" inspect --extract ok big.elf
expect_status 0 "--extract with room: exit 0"
[ "$(stat -c %s ok/root_cli.js)" -eq 440014 ] && ok || fail "--extract wrote the whole module"
finish
