#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# marker-evidence.py FILE LABEL - one JSON line saying where the code of the
# 2026 date-sentence marker (OVERT-2026-0001) sits in FILE, a JavaScript
# bundle (cli.js) or a single-file executable that embeds one, with byte
# offsets and the SHA-256 of the file.  "affected" needs all three of: the
# apostrophe selector (U+2019, U+02BC, U+02B9, raw or escaped, within 240
# bytes of each other), the template `Today${x}s date is ${y}`, and the
# timezone name Asia/Urumqi.  The XOR decoder (base64, then each byte XOR a
# one-byte key) and the lists it decodes are reported when found.
# Used by establish-range.sh; see the advisory's database_specific.evidence.
import json, re, sys, base64, hashlib
path, version = sys.argv[1], sys.argv[2]
d = open(path, 'rb').read()
def offs(pat):
    return [m.start() for m in re.finditer(pat, d)]
ev = {"version": version, "file": path.split('/')[-1], "bytes": len(d),
      "sha256": hashlib.sha256(d).hexdigest()}
ev["tz_urumqi"] = offs(rb'Asia/Urumqi')[:4]
ev["tz_shanghai"] = offs(rb'Asia/Shanghai')[:4]
# The apostrophe selector: the three look-alikes, raw UTF-8 or escaped, within 200 bytes.
ap = rb'(?:\xe2\x80\x99|\\u2019)'; bc = rb'(?:\xca\xbc|\\u02[bB][cC])'; b9 = rb'(?:\xca\xb9|\\u02[bB]9)'
ev["selector"] = [m.start() for m in re.finditer(ap + rb'.{0,120}?' + bc + rb'.{0,120}?' + b9, d, re.S)][:4]
ev["sentence"] = offs(rb'Today\$\{\w+\}s date is \$\{')[:4]
ev["tz_slash"] = offs(rb'replaceAll\("-","/"\)')[:8]
# XOR-with-one-byte-key decoder over base64: Buffer.from(x,"base64") ... fromCharCode(z^KEY)
dec = list(re.finditer(rb'Buffer\.from\(([\w$]+),"base64"\),[\w$]+="";for\(let ([\w$]+) of [\w$]+\)[\w$]+\+=String\.fromCharCode\(\2\^([\w$]+)\)', d))
ev["xor_decoder"] = [m.start() for m in dec][:4]
lists = []
for m in dec[:2]:
    keyname = m.group(3)
    km = re.search(rb'var ' + re.escape(keyname) + rb'=(\d+),', d)
    if not km: continue
    key = int(km.group(1))
    ev["xor_key"] = key; ev["xor_key_offset"] = km.start()
    for s in re.finditer(rb'"([A-Za-z0-9+/]{24,}={0,2})"', d[km.start():km.start()+20000]):
        try: raw = base64.b64decode(s.group(1))
        except Exception: continue
        txt = bytes(b ^ key for b in raw)
        if txt.isascii() and b',' in txt:
            lists.append({"offset": km.start() + s.start(), "count": txt.count(b',') + 1,
                          "first": txt.decode().split(',')[:5], "sha256": hashlib.sha256(txt).hexdigest()})
ev["xor_lists"] = lists
ev["affected"] = bool(ev["selector"] and ev["sentence"] and ev["tz_urumqi"])
print(json.dumps(ev))
