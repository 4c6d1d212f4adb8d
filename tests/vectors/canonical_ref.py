"""Reference canonical strings and canonical JSON (PROTOCOL.md section 5).

Shared by the gen_*.py scripts. Python 3 standard library only, plus Node.js
for one thing Python cannot do: JavaScript's `String(x)` for floats (Python's
repr picks the same digits but lays them out differently, e.g. `1e+21` vs
`1e21`, `1e-07` vs `1e-7`, `100.0` vs `100`). Node is asked once per batch.
"""

import json
import struct
import subprocess

_NODE_STRING = r"""
const bits = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const buf = Buffer.alloc(8);
process.stdout.write(JSON.stringify(bits.map((h) => { buf.write(h, 'hex'); return String(buf.readDoubleBE(0)); })));
"""


def float_bits(x):
    """The IEEE 754 bit pattern of x as 16 lowercase hex digits."""
    return struct.pack(">d", x).hex()


def bits_float(h):
    """The float whose IEEE 754 bit pattern is the hex string h."""
    return struct.unpack(">d", bytes.fromhex(h))[0]


def js_strings(floats):
    """JavaScript String(x) for each float, computed by Node from exact bits."""
    floats = list(floats)
    if not floats:
        return []
    out = subprocess.run(
        ["node", "-e", _NODE_STRING],
        input=json.dumps([float_bits(x) for x in floats]),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def _floats_in(value, acc):
    if isinstance(value, float):
        acc.append(value)
    elif isinstance(value, list):
        for item in value:
            _floats_in(item, acc)
    elif isinstance(value, dict):
        for item in value.values():
            _floats_in(item, acc)
    return acc


class Canon:
    """Canonical forms of a batch of values (one Node call for all floats)."""

    def __init__(self, values):
        floats = []
        for value in values:
            _floats_in(value, floats)
        self._js = {float_bits(x): s for x, s in zip(floats, js_strings(floats))}

    def number(self, x):
        if isinstance(x, bool):
            raise TypeError("bool is not a number here")
        if isinstance(x, int):
            return str(x)
        return self._js[float_bits(x)]

    def json(self, value):
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, (int, float)):
            return self.number(value)
        if isinstance(value, str):
            # Python escapes exactly as JSON.stringify: \" \\ \b \f \n \r \t,
            # other C0 controls as lowercase \u00xx, nothing else.
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, list):
            return "[" + ",".join(self.json(v) for v in value) + "]"
        if isinstance(value, dict):
            # Code point order of str equals UTF-8 byte order.
            keys = sorted(value)
            return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + self.json(value[k]) for k in keys) + "}"
        raise TypeError(type(value))

    def string(self, value):
        if isinstance(value, str):
            return value
        return self.json(value)


_NODE_STRINGIFY = r"""
const values = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const byBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
  : (v && typeof v === 'object') ? Object.fromEntries(Object.keys(v).sort(byBytes).map((k) => [k, sortKeys(v[k])]))
  : v;
process.stdout.write(JSON.stringify(values.map((v) => JSON.stringify(sortKeys(v)))));
"""


def node_canonical_json(values):
    """JSON.stringify with keys sorted by UTF-8 bytes, for cross-checking.

    Integer-like keys are avoided by callers: JavaScript objects enumerate
    them first whatever the insertion order.
    """
    out = subprocess.run(
        ["node", "-e", _NODE_STRINGIFY],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def write_json(path, document):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=2)
        f.write("\n")
