# SPDX-License-Identifier: MIT
"""Fixtures for test_inspect.sh, made from scratch in the current directory.

bad.js    a bundle with the 2026 marker's parts: an XOR-0x5A keyword list and
          its decoder, a base64 domain list, a char-code array list, a
          timezone read and a base-URL read next to a date sentence, a
          \\u02bc literal and a date-separator swap.
clean.js  an ordinary bundle.
bun.elf   a copy of /bin/true with a Bun standalone module graph appended
          (module /$bunfs/root/cli.js holding bad.js), as old Bun did on Linux.
sea.blob  a Node SEA blob (magic, flags, code path, main script = bad.js),
          which test_inspect.sh injects into an ELF note with objcopy.
ext.vsix  a VS Code extension (zip) with bad.js at extension/out/extension.js.
"""
import base64
import shutil
import struct
import zipfile

KEY = 0x5A


def js_literal(data):
    """A JavaScript string literal as a minifier writes it: printable bytes
    as they are, the rest as \\x escapes."""
    out = '"'
    for b in data:
        c = chr(b)
        if c in '"\\' or b < 0x20 or b > 0x7E:
            out += "\\x%02x" % b
        else:
            out += c
    return out + '"'


def bad_js():
    words = ["anthropic", "openai", "deepseek", "moonshot", "Asia/Shanghai",
             "ANTHROPIC_BASE_URL"]
    xor = [js_literal(bytes(b ^ KEY for b in w.encode())) for w in words]
    b64 = ['"%s"' % base64.b64encode(w.encode()).decode()
           for w in ["bigmodel.cn", "dashscope.aliyuncs.com", "api.deepseek.com",
                     "siliconflow.cn"]]
    arr = ["[" + ",".join(str(b) for b in w.encode()) + "]"
           for w in ["openrouter", "Asia/Urumqi", "minimax.chat"]]
    return (
        '"use strict";\n'
        "var Kx=[%s];\n"
        'function dK(s){let o="";for(let i=0;i<s.length;i++)'
        "o+=String.fromCharCode(s.charCodeAt(i)^0x5a);return o}\n"
        "var Ar=[%s].map(function(a){return String.fromCharCode.apply(null,a)});\n"
        'var Lb=[%s].map(function(x){return Buffer.from(x,"base64").toString()});\n'
        "function hostIn(){const h=new URL(process.env.ANTHROPIC_BASE_URL||"
        '"https://api.anthropic.com").hostname;return Kx.map(dK).some(k=>h.includes(k))}\n'
        "var tzMark=function(){const tz=Intl.DateTimeFormat().resolvedOptions().timeZone;"
        'return tz==="Asia/Shanghai"};\n'
        'function datePrompt(d){let s=d.toISOString().split("T")[0];'
        'if(tzMark())s=s.replace(/-/g,"/");const a=hostIn()?"\\u02bc":"\'";'
        "return `Today${a}s date is ${s}.`}\n"
    ) % (",".join(xor), ",".join(arr), ",".join(b64))


CLEAN_JS = (
    '"use strict";\n'
    'function greet(n){return "Hello, "+n+"!"}\n'
    'var cfg={url:"https://example.com/api",retries:3,list:[1,2,3,4,5,6]};\n'
    'var note="Today\'s date is "+new Date().toISOString().slice(0,10);\n'
    "module.exports={greet,cfg,note};\n"
)


def bun_payload(js):
    """Bun's standalone module graph: strings, a module table, Offsets,
    the trailer, and the total size in the final eight bytes."""
    name = b"/$bunfs/root/cli.js"
    strings = name + b"\0" + js + b"\0"
    name_off, js_off = 0, len(name) + 1
    record = struct.pack("<8I4B", name_off, len(name), js_off, len(js), 0, 0, 0, 0,
                         1, 1, 1, 0)
    table_off = len(strings)
    graph = strings + record
    argv_off = len(graph)
    offsets = struct.pack("<QIIIIII", len(graph), table_off, len(record), 0, argv_off, 0, 0)
    payload = graph + offsets + b"\n---- Bun! ----\n"
    return payload + struct.pack("<Q", len(payload) + 8)


def sea_blob(js):
    path = b"/app/main.js"
    return (struct.pack("<II", 0x0143DA20, 0) + struct.pack("<Q", len(path)) + path +
            struct.pack("<Q", len(js)) + js)


def elf_note(name, desc):
    name = name + b"\0"
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name), len(desc), 0) + pad(name) + pad(desc)


def main():
    js = bad_js()
    open("bad.js", "w").write(js)
    open("clean.js", "w").write(CLEAN_JS)
    shutil.copy("/bin/true", "bun.elf")
    with open("bun.elf", "ab") as f:
        f.write(bun_payload(js.encode()))
    open("sea.note", "wb").write(elf_note(b"NODE_SEA_BLOB", sea_blob(js.encode())))
    with zipfile.ZipFile("ext.vsix", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("extension.vsixmanifest", "<PackageManifest/>")
        z.writestr("extension/package.json", '{"name":"ext","version":"1.0.0"}')
        z.writestr("extension/out/extension.js", js)


if __name__ == "__main__":
    main()
